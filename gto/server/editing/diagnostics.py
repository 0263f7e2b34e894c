"""Diagnostics for ``artifacts.yaml`` and ``.gto`` as the user types (the unsaved text).

The checks are those of the core (``parse_annotations`` and ``config_problems``, so that the
editor and ``gto doctor`` agree), plus what only an editor next to a live registry can say:
repeated labels, registry tags of an artifact that the registry ignores (lightweight tags and
conflicts, SPEC §2.2), and in ``.gto`` stages or types in use that the lists no longer allow.
Errors are what breaks the registry (the file would be ignored); warnings are the rest.

The pure functions return ``Problem`` values in ``Span`` coordinates; ``register`` publishes
them on open, on change and when the registry changes. Nothing here reads files or git: the
caller says which paths exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import yaml
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from gto.annotations import Annotation, parse_annotations
from gto.config import Config, config_problems
from gto.positions import Problem, Severity, is_string, mapping_entries, node_span, read_yaml
from gto.server.editing.conversion import PositionMap
from gto.server.editing.outline import Outline, read_outline
from gto.server.editing.session import DocumentKind, EditingSession, OpenDocument, Snapshot
from gto.state import RegistryState
from gto.tags import parse_tag

SOURCE = "gto"
_SEVERITIES = {Severity.ERROR: types.DiagnosticSeverity.Error, Severity.WARNING: types.DiagnosticSeverity.Warning}


def annotations_diagnostics(
    text: str,
    config: Config | None = None,
    state: RegistryState | None = None,
    path_exists: Callable[[str], bool] | None = None,
) -> list[Problem]:
    """Every problem of an ``artifacts.yaml`` text, in text order.

    ``config`` checks types, ``path_exists`` checks the paths of ``virtual: false`` entries, and
    ``state`` adds the tag problems of each artifact listed in the text.
    """
    document = parse_annotations(text, config, path_exists)
    problems = [_as_sentence(problem) for problem in document.problems]
    outline = read_outline(text)
    problems.extend(duplicate_label_problems(outline))
    if state is not None:
        problems.extend(_tag_problems(outline, state))
    return sorted(problems, key=lambda problem: problem.span)


def duplicate_label_problems(outline: Outline) -> list[Problem]:
    """A warning on each label written again in the same entry's list."""
    problems: list[Problem] = []
    for entry in outline.entries:
        labels = entry.field("labels")
        if entry.key is None or entry.duplicate or labels is None or not isinstance(labels.value, yaml.SequenceNode):
            continue
        first_line: dict[str, int] = {}
        for item in labels.value.value:
            if not is_string(item):
                continue
            span = node_span(item)
            if item.value not in first_line:
                first_line[item.value] = span.line
                continue
            problems.append(
                Problem(
                    f"Label '{item.value}' of artifact '{entry.key}' is repeated (first on line"
                    f" {first_line[item.value]}): each label is expected once",
                    span,
                    Severity.WARNING,
                    field="labels",
                    artifact=entry.key,
                )
            )
    return problems


def _tag_problems(outline: Outline, state: RegistryState) -> list[Problem]:
    """Warnings on artifact keys for tags the registry leaves out or resolves by a rule."""
    by_artifact: dict[str, list[str]] = {}
    for problem in state.problems:
        parsed = parse_tag(problem.tag)
        if parsed is not None:
            by_artifact.setdefault(parsed.artifact, []).append(problem.message)
    problems: list[Problem] = []
    for entry in outline.entries:
        if entry.key is None or entry.duplicate:
            continue
        for message in by_artifact.get(entry.key, ()):
            problems.append(Problem(message, entry.key_span, Severity.WARNING, artifact=entry.key))
    return problems


def config_diagnostics(
    text: str,
    state: RegistryState | None = None,
    annotations: Mapping[str, Annotation] | None = None,
) -> list[Problem]:
    """Every problem of a ``.gto`` text, in text order.

    With ``state``, stages assigned in the registry but missing from ``stages`` get a warning;
    with ``annotations`` (the work tree's entries), so do types missing from ``types``.
    """
    problems = [_as_sentence(problem) for problem in config_problems(text)]
    if not any(problem.severity is Severity.ERROR for problem in problems):
        used_stages = _used_stages(state) if state is not None else {}
        used_types = _used_types(annotations) if annotations is not None else {}
        problems.extend(_missing_names(text, "stages", used_stages))
        problems.extend(_missing_names(text, "types", used_types))
    return sorted(problems, key=lambda problem: problem.span)


def _as_sentence(problem: Problem) -> Problem:
    # Some core messages are worded to follow a prefix ("Invalid config in .gto: ", "line 3: ");
    # in the editor they stand alone.
    message = problem.message[:1].upper() + problem.message[1:]
    return Problem(message, problem.span, problem.severity, problem.field, problem.artifact)


def _used_stages(state: RegistryState) -> dict[str, str]:
    """Each stage active on some version, with one tag that assigned it."""
    used: dict[str, str] = {}
    for name in sorted(state.artifacts):
        for version in state.artifacts[name].versions:
            if not version.active:
                continue
            for assignment in version.stages:
                used.setdefault(assignment.stage, f"tag '{assignment.event.tag}'")
    return used


def _used_types(annotations: Mapping[str, Annotation]) -> dict[str, str]:
    used: dict[str, str] = {}
    for name in sorted(annotations):
        type_ = annotations[name].type
        if type_ is not None:
            used.setdefault(type_, f"artifact '{name}'")
    return used


def _missing_names(text: str, key: str, used: Mapping[str, str]) -> list[Problem]:
    """Warnings on the ``key`` list of ``.gto`` for each name in use that it leaves out."""
    if not used:
        return []
    root = read_yaml(text).root
    if not isinstance(root, yaml.MappingNode):
        return []
    entries, _ = mapping_entries(root, key_of=str.lower)
    entry = next((item for item in entries if item.key is not None and item.key.lower() == key), None)
    if entry is None or not isinstance(entry.value_node, yaml.SequenceNode) or not entry.value_node.value:
        return []
    listed = {item.value for item in entry.value_node.value if is_string(item)}
    what = key.removesuffix("s")
    return [
        Problem(
            f"{what.capitalize()} '{name}' is used by {where} but is not in '{key}':"
            f" add it, or {'gto show will not list it' if key == 'stages' else 'artifacts.yaml becomes invalid'}",
            entry.key_span,
            Severity.WARNING,
            field=key,
        )
        for name, where in sorted(used.items())
        if name not in listed
    ]


def to_diagnostic(problem: Problem, positions: PositionMap) -> types.Diagnostic:
    """The LSP diagnostic of a problem."""
    return types.Diagnostic(
        range=positions.range(problem.span),
        message=problem.message,
        severity=_SEVERITIES[problem.severity],
        source=SOURCE,
    )


def document_problems(document: OpenDocument, snapshot: Snapshot, session: EditingSession) -> list[Problem]:
    """The problems of an open registry file, checked against the registry of ``snapshot``."""
    if document.kind is DocumentKind.ANNOTATIONS:
        return annotations_diagnostics(document.text, snapshot.config, snapshot.state, snapshot.path_exists)
    return config_diagnostics(document.text, snapshot.state, session.work_tree_annotations(snapshot))


def register(server: LanguageServer, session: EditingSession) -> None:
    """Publish diagnostics of the registry files on open and change, and again when the registry changes.

    Every open registry file is checked again on each change: ``.gto`` checks depend on the
    entries of ``artifacts.yaml``, and both are small.
    """

    def publish_all() -> None:
        snapshot = session.snapshot()
        for document in session.documents(snapshot):
            problems = document_problems(document, snapshot, session)
            server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=document.uri,
                    version=document.version,
                    diagnostics=[to_diagnostic(problem, document.positions) for problem in problems],
                )
            )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        session.follow_registry()
        publish_all()

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        publish_all()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        # A closed file's problems are shown no longer; the others may depend on its saved text.
        if session.snapshot().kind_of(to_fs_path(params.text_document.uri)) is not None:
            server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
            )
        publish_all()

    session.when_registry_changes(publish_all)

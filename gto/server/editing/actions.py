"""Quick fixes in ``artifacts.yaml``, offered only where the fix is obvious.

* a repeated label: remove the repetition;
* ``virtual: false`` without a path: add a ``path:`` field to fill in, or set ``virtual: true``;
* ``virtual: false`` with a path missing from the work tree: set ``virtual: true``;
* an unknown field that is a near miss of a known one (``tpye``): rename it.

Invalid names are deliberately not "fixed": lower-casing or renaming an artifact changes which
registry tags it owns, which is the user's call. Pure: the fixes are computed from the text and
the problems of the requested range, as edits in ``Span`` coordinates.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import yaml
from lsprotocol import types
from pygls.lsp.server import LanguageServer

from gto.annotations import FIELDS
from gto.positions import Problem, Severity, Span, is_string, node_span
from gto.server.editing.diagnostics import annotations_diagnostics, to_diagnostic
from gto.server.editing.outline import Entry, overlaps, read_outline, split_lines
from gto.server.editing.session import DocumentKind, EditingSession


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text of ``span`` with ``new_text``."""

    span: Span
    new_text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A quick fix for ``problem``: its edits apply together."""

    title: str
    problem: Problem
    edits: tuple[Edit, ...]
    preferred: bool = False


def quick_fixes(text: str, span: Span, path_exists: Callable[[str], bool] | None = None) -> list[Fix]:
    """The fixes for the problems of an ``artifacts.yaml`` text that overlap ``span``."""
    outline = read_outline(text)
    fixes: list[Fix] = []
    for problem in annotations_diagnostics(text, path_exists=path_exists):
        if not overlaps(problem.span, span) or problem.artifact is None:
            continue
        entry = outline.entry(problem.artifact)
        if entry is None:
            continue
        # Problems are told apart by field and severity, not by wording: the warnings on
        # 'labels', 'virtual', 'path' and unknown fields each have one cause.
        if problem.severity is not Severity.WARNING or problem.field is None:
            continue
        if problem.field == "labels":
            fixes.extend(_remove_label(text, entry, problem))
        elif problem.field == "virtual" and entry.field("path") is None:
            fixes.extend(_add_path(text, entry, problem))
            fixes.extend(_set_virtual(entry, problem))
        elif problem.field == "path":
            fixes.extend(_set_virtual(entry, problem))
        elif problem.field not in FIELDS:
            fixes.extend(_rename_field(entry, problem))
    return fixes


def _remove_label(text: str, entry: Entry, problem: Problem) -> list[Fix]:
    labels = entry.field("labels")
    if labels is None or not isinstance(labels.value, yaml.SequenceNode):
        return []
    items = labels.value.value
    index = next((i for i, item in enumerate(items) if node_span(item) == problem.span), None)
    if index is None:
        return []
    item = items[index]
    name = item.value if is_string(item) else str(item.value)
    if labels.value.flow_style:
        # "[a, b, a]": drop the item with the separator before it ("a" first: with the one after).
        if index > 0:
            start = node_span(items[index - 1])
            removed = Span(start.end_line, start.end_col, problem.span.end_line, problem.span.end_col)
        else:
            after = node_span(items[index + 1])
            removed = Span(problem.span.start_line, problem.span.start_col, after.start_line, after.start_col)
    else:
        removed = _whole_lines(text, problem.span)
    return [Fix(f"Remove the repeated label '{name}'", problem, (Edit(removed, ""),), preferred=True)]


def _whole_lines(text: str, span: Span) -> Span:
    """The lines of a block list item, from the start of its line to the start of the next line."""
    lines = split_lines(text)
    end_line = span.end_line + 1
    if end_line >= len(lines):
        # The item is on the last line: remove the break before it instead.
        previous = span.start_line - 1
        return Span(previous, len(lines[previous]), span.end_line, len(lines[span.end_line]))
    return Span(span.start_line, 0, end_line, 0)


def _add_path(text: str, entry: Entry, problem: Problem) -> list[Fix]:
    virtual = entry.field("virtual")
    if virtual is None or not isinstance(entry.value, yaml.MappingNode) or entry.value.flow_style:
        return []
    lines = split_lines(text)
    line = lines[virtual.key_span.start_line]
    if line[: virtual.key_span.start_col].strip():
        return []
    indent = virtual.key_span.start_col
    # The new field goes just above 'virtual', as the file's fields are usually ordered.
    at = Span(virtual.key_span.start_line, indent, virtual.key_span.start_line, indent)
    return [Fix("Add a 'path' field", problem, (Edit(at, "path: \n" + " " * indent),))]


def _set_virtual(entry: Entry, problem: Problem) -> list[Fix]:
    virtual = entry.field("virtual")
    if virtual is None or not isinstance(virtual.value, yaml.ScalarNode):
        return []
    return [
        Fix(
            "Set 'virtual: true' (the path is not committed in the repository)",
            problem,
            (Edit(virtual.value_span, "true"),),
        )
    ]


def _rename_field(entry: Entry, problem: Problem) -> list[Fix]:
    field = next((item for item in entry.fields if item.key_span == problem.span and item.key is not None), None)
    if field is None or field.key is None:
        return []
    close = difflib.get_close_matches(field.key.lower(), FIELDS, n=1)
    if not close or entry.field(close[0]) is not None:
        return []
    return [Fix(f"Rename '{field.key}' to '{close[0]}'", problem, (Edit(field.key_span, close[0]),), preferred=True)]


def register(server: LanguageServer, session: EditingSession) -> None:
    """Answer ``textDocument/codeAction`` with the quick fixes of the annotations file."""

    options = types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix])

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)
    def code_actions(params: types.CodeActionParams) -> list[types.CodeAction] | None:
        snapshot = session.snapshot()
        document = session.document(params.text_document.uri, snapshot)
        if document is None or document.kind is not DocumentKind.ANNOTATIONS:
            return None
        only = params.context.only
        if only is not None and not any(types.CodeActionKind.QuickFix.value.startswith(kind) for kind in only):
            return None
        positions = document.positions
        fixes = quick_fixes(document.text, positions.span(params.range), snapshot.path_exists)
        return [
            types.CodeAction(
                title=fix.title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[to_diagnostic(fix.problem, positions)],
                is_preferred=fix.preferred or None,
                edit=types.WorkspaceEdit(
                    changes={
                        document.uri: [
                            types.TextEdit(range=positions.range(edit.span), new_text=edit.new_text)
                            for edit in fix.edits
                        ]
                    }
                ),
            )
            for fix in fixes
        ]

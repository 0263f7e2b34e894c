"""Code lens above each ``artifacts.yaml`` entry: the artifact's place in the live registry.

A lens reads ``latest v1.2.4 · prod v1.2.3 · staging v1.2.4`` (stages in the order of the ``gto
show`` columns, each with the version ``gto show`` puts in it), ``not registered`` for an
artifact without versions, and starts with ``deprecated`` for a deprecated one. Clicking it runs
the ``gto.show`` command with the artifact name, which the server answers with ``gto show NAME``.
Lenses are computed again whenever the registry changes (``register`` asks the client to refresh).

Pure: the caller passes the text, the state and the config; nothing here reads git.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from gto.config import Config
from gto.errors import GTOError
from gto.positions import Span
from gto.queries import ViewOptions, stage_versions
from gto.server.editing.outline import read_outline
from gto.server.editing.session import DocumentKind, EditingSession
from gto.state import ArtifactState, RegistryState

SHOW_COMMAND = "gto.show"
SEPARATOR = " · "


@dataclass(frozen=True, slots=True)
class Lens:
    """One lens: ``title`` shown above ``span`` (the artifact key); clicking runs ``gto.show artifact``."""

    span: Span
    title: str
    artifact: str


def code_lenses(text: str, state: RegistryState | None, config: Config | None = None) -> list[Lens]:
    """One lens per valid, first-written artifact entry of an ``artifacts.yaml`` text."""
    lenses = []
    configured = config.stages if config is not None else None
    for entry in read_outline(text).entries:
        if entry.key is None or entry.duplicate:
            continue
        artifact = state.artifacts.get(entry.key) if state is not None else None
        lenses.append(Lens(entry.key_span, lens_title(artifact, configured), entry.key))
    return lenses


def lens_title(artifact: ArtifactState | None, configured_stages: Sequence[str] | None = None) -> str:
    """``latest v1.2.4 · prod v1.2.3`` for an artifact, ``not registered`` without versions."""
    parts: list[str] = []
    if artifact is not None and artifact.deprecated:
        parts.append("deprecated")
    latest = artifact.latest if artifact is not None else None
    if latest is not None:
        parts.append(f"latest {latest.version}")
    stages = stage_summary(artifact, configured_stages) if artifact is not None else []
    parts.extend(f"{stage} {', '.join(versions)}" for stage, versions in stages)
    if latest is None and not stages:
        parts.append("not registered")
    return SEPARATOR.join(parts)


def stage_summary(
    artifact: ArtifactState, configured_stages: Sequence[str] | None = None
) -> list[tuple[str, list[str]]]:
    """Each active stage with the versions ``gto show`` lists in it, in ``gto show`` column order.

    Configured stages come first in config order, then any other active stage sorted. Commit
    versions (unregistered hexshas) are shortened to 7 characters, as in tables.
    """
    by_stage = stage_versions(artifact, ViewOptions())
    order = [stage for stage in configured_stages or () if stage in by_stage]
    order += sorted(stage for stage in by_stage if stage not in order)
    return [(stage, [short_version(version.version) for version, _ in by_stage[stage]]) for stage in order]


def short_version(version: str) -> str:
    """A version as tables show it: commit hexshas shortened, SemVer names never."""
    if len(version) == 40 and all(char in "0123456789abcdef" for char in version):
        return version[:7]
    return version


def register(server: LanguageServer, session: EditingSession) -> None:
    """Answer ``textDocument/codeLens`` and the ``gto.show`` command; refresh lenses on registry changes."""

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    def code_lens(params: types.CodeLensParams) -> list[types.CodeLens] | None:
        snapshot = session.snapshot()
        document = session.document(params.text_document.uri, snapshot)
        if document is None or document.kind is not DocumentKind.ANNOTATIONS:
            return None
        return [
            types.CodeLens(
                range=document.positions.range(lens.span),
                command=types.Command(title=lens.title, command=SHOW_COMMAND, arguments=[lens.artifact]),
            )
            for lens in code_lenses(document.text, snapshot.state, snapshot.config)
        ]

    @server.command(SHOW_COMMAND)
    def show(*arguments: Any) -> Any:
        """``gto show NAME``: the versions as in ``gto show NAME --json``, also shown as a message."""
        from gto import api
        from gto.cli import output
        from gto.server import wire

        if len(arguments) != 1 or not isinstance(arguments[0], str):
            raise ValueError(f"{SHOW_COMMAND} takes one argument: an artifact name")
        try:
            versions = api.show_versions(session.live.registry(), arguments[0])
        except GTOError as error:
            # The same error, code and kind as the gto/showVersions request answers.
            raise wire.rpc_error(error) from None
        if versions:
            text = output.table(output.VERSION_HEADERS, output.version_rows(versions, None), plain=True)
        else:
            text = "Nothing found in the current workspace"
        server.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=text))
        return json.loads(output.versions_json(versions))

    def refresh() -> None:
        if session.client_supports_lens_refresh():
            server.workspace_code_lens_refresh(None)

    session.when_registry_changes(refresh)

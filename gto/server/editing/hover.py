"""Hover on an artifact key of ``artifacts.yaml``: the entry and its place in the live registry.

The card shows the entry as written in the editor (type, path, description), then from the
registry: the latest version, each stage with its versions, and the most recent events.

Pure: the caller passes the text, the cursor in ``Span`` coordinates, the state and the config.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from gto.annotations import Annotation, parse_annotations
from gto.config import Config
from gto.positions import Span
from gto.server.editing.codelens import short_version, stage_summary
from gto.server.editing.outline import contains, read_outline
from gto.server.editing.session import DocumentKind, EditingSession
from gto.state import ArtifactState, Event, RegistryState

# How many of the most recent events a hover lists.
EVENTS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class HoverCard:
    """Markdown about the artifact whose key is at ``span``."""

    markdown: str
    span: Span


def artifact_hover(
    text: str, line: int, col: int, state: RegistryState | None, config: Config | None = None
) -> HoverCard | None:
    """The card of the artifact whose key holds (``line``, ``col``), or None elsewhere."""
    entry = next(
        (item for item in read_outline(text).entries if item.key is not None and contains(item.key_span, line, col)),
        None,
    )
    if entry is None or entry.key is None:
        return None
    annotation = parse_annotations(text, config).entries.get(entry.key)
    artifact = state.artifacts.get(entry.key) if state is not None else None
    configured = config.stages if config is not None else None
    return HoverCard(render_card(entry.key, annotation, artifact, configured), entry.key_span)


def render_card(
    name: str,
    annotation: Annotation | None,
    artifact: ArtifactState | None,
    configured_stages: tuple[str, ...] | None = None,
) -> str:
    """The markdown of a hover card."""
    title = f"**{name}**"
    if annotation is not None and annotation.type is not None:
        title += f" · {annotation.type}"
    if artifact is not None and artifact.deprecated:
        title += " · *deprecated*"
    lines = [title]
    if annotation is not None and annotation.path is not None:
        where = "virtual: outside git or a pointer" if annotation.virtual else "committed in the repository"
        lines += ["", f"path `{annotation.path}` ({where})"]
    if annotation is not None and annotation.description:
        lines += ["", annotation.description]
    lines += ["", "---", ""]
    latest = artifact.latest if artifact is not None else None
    if artifact is None or (latest is None and not artifact.versions):
        lines.append("Not registered: no registry tags yet.")
        return "\n".join(lines)
    lines.append(f"latest **{latest.version}**" if latest is not None else "no registered version")
    for stage, versions in stage_summary(artifact, configured_stages):
        lines.append(f"- {stage}: {', '.join(versions)}")
    events = sorted(artifact.events, key=lambda event: event.sort_key, reverse=True)[:EVENTS_SHOWN]
    if events:
        lines += ["", "Last events:", ""]
        lines += [f"- {_event_line(event)}" for event in events]
    return "\n".join(lines)


def _event_line(event: Event) -> str:
    when = event.created_at.strftime("%Y-%m-%d %H:%M:%S %z")
    what = event.kind.value
    if event.version is not None:
        what += f" {short_version(event.version)}"
    if event.stage is not None:
        what += f" {'to' if event.kind.value == 'assignment' else 'from'} {event.stage}"
    tag = f" `{event.tag}`" if event.tag else ""
    return f"{when} · {what}{tag} · {event.author}"


def register(server: LanguageServer, session: EditingSession) -> None:
    """Answer ``textDocument/hover`` on artifact keys of the annotations file."""

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams) -> types.Hover | None:
        snapshot = session.snapshot()
        document = session.document(params.text_document.uri, snapshot)
        if document is None or document.kind is not DocumentKind.ANNOTATIONS:
            return None
        line, col = document.positions.point(params.position)
        card = artifact_hover(document.text, line, col, snapshot.state, snapshot.config)
        if card is None:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=card.markdown),
            range=document.positions.range(card.span),
        )

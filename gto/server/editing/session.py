"""What the editing handlers of one connection share: the live registry, the open registry files,
and the registry-change hook.

``EditingSession`` answers three questions for every handler: which registry file (if any) a
document is (``artifacts.yaml`` as configured, or ``.gto``, in the repository's work tree), what
the registry looks like right now (a ``Snapshot`` of config, state and work tree), and how to
react when the registry changes (``when_registry_changes``). Feature logic stays in the feature
modules; this module only reads the live registry, the editor's documents and, for ``.gto``
checks, the work tree's ``artifacts.yaml`` when it is not open.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote

from gto.annotations import Annotation, parse_annotations
from gto.config import CONFIG_FILE, Config
from gto.errors import GTOError
from gto.server.editing.conversion import PositionMap
from gto.state import RegistryState

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer
    from pygls.workspace import TextDocument

    from gto.api import Registry
    from gto.git import RepoPaths

logger = logging.getLogger(__name__)


class LiveSource(Protocol):
    """The part of the daemon's ``LiveRegistry`` that editing reads."""

    repo: RepoPaths

    def registry(self) -> Registry:
        """The current registry; raises a ``GTOError`` while it cannot be read (a broken ``.gto``)."""
        ...

    def subscribe(self, subscriber: Callable[[Any], None]) -> Callable[[], None]:
        """Call ``subscriber`` on the event loop after each change; returns the unsubscribe call."""
        ...


class DocumentKind(StrEnum):
    """Which registry file a document is."""

    ANNOTATIONS = "annotations"
    CONFIG = "config"


@dataclass(frozen=True)
class Snapshot:
    """The registry as the handlers see it at one moment; ``state`` is None before it is loaded."""

    config: Config
    state: RegistryState | None
    work_tree: Path | None

    def path_exists(self, path: str) -> bool:
        """Tell whether ``path`` exists in the work tree (unknown work tree: assume it does)."""
        if self.work_tree is None:
            return True
        return (self.work_tree / path).exists()

    def kind_of(self, fs_path: str | None) -> DocumentKind | None:
        """Which registry file ``fs_path`` is, if any."""
        if not fs_path:
            return None
        annotations_file = self.config.annotations_file
        if self.work_tree is None:
            name = os.path.basename(fs_path)
            if name == os.path.basename(annotations_file):
                return DocumentKind.ANNOTATIONS
            return DocumentKind.CONFIG if name == CONFIG_FILE else None
        try:
            relative = Path(os.path.realpath(fs_path)).relative_to(os.path.realpath(self.work_tree))
        except ValueError:
            return None
        if relative.as_posix() == Path(annotations_file).as_posix():
            return DocumentKind.ANNOTATIONS
        return DocumentKind.CONFIG if relative.as_posix() == CONFIG_FILE else None


@dataclass(frozen=True)
class OpenDocument:
    """A registry file open in the editor, with its unsaved text."""

    uri: str
    kind: DocumentKind
    text: str
    version: int | None
    positions: PositionMap


class EditingSession:
    """The shared state of the editing features on one server connection."""

    def __init__(self, server: LanguageServer, live: LiveSource) -> None:
        self.server = server
        self.live = live
        self._listeners: list[Callable[[], None]] = []
        self._following = False

    def snapshot(self) -> Snapshot:
        """The registry now; the default config and no state while it cannot be read."""
        try:
            registry = self.live.registry()
        except GTOError:
            # A broken .gto makes the registry unreadable; the files can still be checked as text.
            return Snapshot(Config(), None, self.live.repo.work_tree)
        return Snapshot(registry.config, registry.state, registry.repo.work_tree)

    def document(self, uri: str, snapshot: Snapshot | None = None) -> OpenDocument | None:
        """The open registry file at ``uri``, or None for any other document."""
        # pygls keeps open documents under their unquoted URI.
        document = self.server.workspace.text_documents.get(unquote(uri))
        return self._registry_file(document, snapshot or self.snapshot()) if document is not None else None

    def documents(self, snapshot: Snapshot | None = None) -> list[OpenDocument]:
        """Every open registry file."""
        snapshot = snapshot or self.snapshot()
        found = [self._registry_file(document, snapshot) for document in self.server.workspace.text_documents.values()]
        return [document for document in found if document is not None]

    def _registry_file(self, document: TextDocument, snapshot: Snapshot) -> OpenDocument | None:
        kind = snapshot.kind_of(document.path)
        if kind is None:
            return None
        text = document.source
        encoding = self.server.workspace.position_encoding
        return OpenDocument(document.uri, kind, text, document.version, PositionMap(text, encoding))

    def work_tree_annotations(self, snapshot: Snapshot) -> dict[str, Annotation]:
        """The entries of ``artifacts.yaml`` as the user has it: the open text, else the file on disk."""
        for document in self.documents(snapshot):
            if document.kind is DocumentKind.ANNOTATIONS:
                return dict(parse_annotations(document.text).entries)
        if snapshot.work_tree is None:
            return {}
        path = snapshot.work_tree / snapshot.config.annotations_file
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return {}
        return dict(parse_annotations(text).entries)

    def when_registry_changes(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (on the event loop) after each registry change, once the registry is followed."""
        self._listeners.append(listener)

    def follow_registry(self) -> None:
        """Start hearing registry changes; called when the client opens a document.

        Connections that never open one (command-line clients of the daemon) never subscribe.
        """
        if not self._following:
            self._following = True
            _subscribe(self.live, self)

    def client_supports_lens_refresh(self) -> bool:
        """Tell whether the client announced ``workspace.codeLens.refreshSupport``."""
        capabilities = getattr(self.server.protocol, "client_capabilities", None)
        workspace = capabilities.workspace if capabilities is not None else None
        lens = workspace.code_lens if workspace is not None else None
        return bool(lens is not None and lens.refresh_support)

    def registry_changed(self) -> None:
        """Tell the listeners that the registry changed."""
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # One feature failing must not keep the others from refreshing.
                logger.exception("editing: a registry change listener failed")


def _subscribe(live: LiveSource, session: EditingSession) -> None:
    """Subscribe ``session`` to registry changes for as long as it lives.

    The live registry outlives connections, and a connection may vanish without a word; the
    subscription holds the session weakly and ends itself once the session is gone.
    """
    reference = weakref.ref(session)
    unsubscribe: Callable[[], None] | None = None

    def changed(_: Any) -> None:
        current = reference()
        if current is None:
            if unsubscribe is not None:
                unsubscribe()
            return
        current.registry_changed()

    unsubscribe = live.subscribe(changed)

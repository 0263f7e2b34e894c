"""Editing support for the registry's own files: LSP features for ``artifacts.yaml`` and ``.gto``.

One module per feature (``diagnostics``, ``completion``, ``hover``, ``codelens``, ``symbols``,
``actions``), each with pure functions over plain values (text, ``Config``, ``RegistryState``, a
path-exists callable) and a small ``register(server, session)`` that installs its pygls handlers.
``outline`` reads the text's structure for all of them; ``conversion`` is the one place where
``Span`` coordinates (YAML lines, code points) become LSP positions; ``session`` is what the
handlers of one connection share.

``register`` (or ``install_editing`` for any pygls server) is the single call the server factory
makes. Nothing here runs git or writes files, and importing this package imports neither pygls
nor the feature modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from gto.server.editing.session import EditingSession, LiveSource
    from gto.server.server import GtoServer


def register(server: GtoServer) -> None:
    """Install every editing feature on a connection's server (the server factory's feature hook)."""
    install_editing(server, server.live)


def install_editing(server: LanguageServer, live: LiveSource) -> EditingSession:
    """Install every editing feature on ``server``, reading the registry from ``live``.

    The session subscribes to ``live``: after each registry change it republishes diagnostics
    and asks the client to refresh code lenses.
    """
    from gto.server.editing import actions, codelens, completion, diagnostics, hover, symbols
    from gto.server.editing.session import EditingSession

    session = EditingSession(server, live)
    for feature in (diagnostics, completion, hover, codelens, symbols, actions):
        feature.register(server, session)
    return session

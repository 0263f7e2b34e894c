"""The pygls server of one connection, and the factory that equips it with features.

pygls' own TCP and websocket servers drive one protocol object for every connection (a second
client takes over the first, and ``exit`` ends the process). So here every connection gets its
own ``GtoServer`` from ``create_server``, all sharing one ``LiveRegistry``; ``exit`` ends only
that connection. Each server feature lives in its own module with a ``register(server)``
function, listed in ``_features``: the ``gto/…`` requests (``methods``) and the editing features
of ``artifacts.yaml`` and ``.gto`` (``editing``).

``GtoProtocol`` adapts pygls' LSP protocol to a multi-client server: requests of the ``gto/``
namespace keep their params as plain JSON (the handlers validate them with their own models),
``exit`` closes the connection rather than the process, and requests after ``shutdown`` get
an error rather than silence. It must not hold registry logic.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, default_converter, lsp_method
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage

from gto import __version__
from gto.server.live import LiveRegistry

GTO_PREFIX = "gto/"
SERVER_NAME = "gto"


@dataclass
class Host:
    """What a connection's handlers know of the process serving it (for ``gto/status``)."""

    transport: Literal["socket", "stdio"]
    socket: str | None = None
    clients: Callable[[], int] = field(default=lambda: 1)


class GtoProtocol(LanguageServerProtocol):
    """LSP over one connection; see the module docstring for what differs from pygls."""

    _server: GtoServer

    def structure_message(self, data: dict[str, Any]) -> Any:
        method = data.get("method")
        if isinstance(method, str) and method.startswith(GTO_PREFIX) and "jsonrpc" in data:
            params = data.get("params")
            if "id" in data:
                return JsonRPCRequestMessage(id=data["id"], method=method, jsonrpc=data["jsonrpc"], params=params)
            return JsonRPCNotification(method=method, jsonrpc=data["jsonrpc"], params=params)
        return super().structure_message(data)

    def handle_message(self, message: Any) -> None:
        if self._shutdown and getattr(message, "method", types.EXIT) != types.EXIT and hasattr(message, "id"):
            self.send_error(message.id, -32600, "The server is shutting down: only 'exit' is accepted")
            return
        super().handle_message(message)

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Any:
        """End this connection only; the daemon and its other clients carry on."""
        if (user_handler := self.fm.features.get(types.EXIT)) is not None:
            yield user_handler, args, None
        self._server.end_connection()

    async def finish_requests(self) -> None:
        """Wait until every request received so far is answered.

        A client may close its sending side and still read (a script piping requests in),
        so the end of input is not the end of the answers.
        """
        pending = [
            future if isinstance(future, asyncio.Future) else asyncio.wrap_future(future)
            for future in self._request_futures.values()
            if not future.done()
        ]
        if pending:
            await asyncio.wait(pending)

    @property
    def shutdown_requested(self) -> bool:
        """Whether the client sent ``shutdown`` (an ``exit`` after it is a clean end)."""
        return self._shutdown

    def send_error(self, msg_id: Any, code: int, message: str, data: Any = None) -> None:
        """Answer a request (or, with ``msg_id`` None, the unidentifiable message) with an error.

        Written as plain JSON: lsprotocol's converter would leave out ``"id": null``, which
        JSON-RPC requires when the request's id could not be read.
        """
        error: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            error["data"] = data
        self._send_data({"jsonrpc": self.VERSION, "id": msg_id, "error": error})


class GtoServer(LanguageServer):
    """The server of one connection: pygls' LanguageServer plus the shared registry and host."""

    protocol: GtoProtocol

    def __init__(self, live: LiveRegistry, host: Host) -> None:
        super().__init__(SERVER_NAME, __version__, protocol_cls=GtoProtocol, converter_factory=_converter)
        self.live = live
        self.host = host
        self.exited = False
        self._on_end: Callable[[], None] = lambda: None

    def on_end(self, callback: Callable[[], None]) -> None:
        """What ends the connection when the client sends ``exit`` (set by the transport)."""
        self._on_end = callback

    def end_connection(self) -> None:
        self.exited = True
        self._on_end()


@functools.cache
def _converter() -> Any:
    # Building lsprotocol's converter costs milliseconds; every connection shares one.
    return default_converter()


def _features() -> Sequence[Callable[[GtoServer], None]]:
    from gto.server import editing, forward, methods

    return (methods.register, forward.register, editing.register)


def create_server(live: LiveRegistry, host: Host) -> GtoServer:
    """A server for one new connection, with every feature registered."""
    server = GtoServer(live, host)
    for register in _features():
        register(server)
    return server

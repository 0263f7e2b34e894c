"""One client connection: its own server, LSP base framing with limits, and registry notifications.

``run`` gives a new connection its own ``GtoServer``, subscribes it to the registry's changes
(each becomes a ``gto/registryChanged`` notification), and serves it until the client leaves,
sends ``exit``, or stops reading; nothing it does touches another connection.

pygls' own read loop drops a message it cannot parse without a word, and reads any length a
header claims. This loop answers what no handler can: invalid JSON gets a "parse error", a
message that is not a JSON-RPC object an "invalid request", and a message above
``MAX_MESSAGE_BYTES`` is skipped unread and answered with an "invalid request" error; in each
case the connection stays usable, since the length said where the next message starts. Only
a broken header (no length, a line that is not a header) leaves no way to find the next
message: that gets a parse error and the connection is closed.

Writing has a limit too: a client that stops reading while its answers pile up beyond
``MAX_PENDING_BYTES`` is disconnected rather than allowed to grow the daemon's memory.

It must not know any method: it moves messages between a transport and a ``GtoServer``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any, Protocol

from gto.server import wire
from gto.server.live import Change, LiveRegistry
from gto.server.server import GtoServer, Host, create_server

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
MAX_PENDING_BYTES = 256 * 1024 * 1024
_DISCARD_CHUNK = 1 << 16

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


class FramingError(Exception):
    """The stream does not follow the base protocol: the next message cannot be found."""


class Output(Protocol):
    """Where a connection's messages go: pygls' writer interface."""

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class StreamOutput:
    """Output to an asyncio stream (a socket), cut off when the client stops reading."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    def write(self, data: bytes) -> None:
        if self._writer.is_closing():
            return
        self._writer.write(data)
        if self._writer.transport.get_write_buffer_size() > MAX_PENDING_BYTES:
            logger.warning("A client does not read its answers: closing its connection")
            # Aborting ends the reading side too, and with it the connection's loop.
            self._writer.transport.abort()

    def close(self) -> None:
        self._writer.close()


class PipeOutput:
    """Output to a file descriptor (stdout), written at once: an editor reads what it asked for."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self.closed = False

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self.closed:
            try:
                view = view[os.write(self._fd, view) :]
            except OSError:  # the editor is gone
                self.closed = True

    def close(self) -> None:
        self.closed = True


async def run(live: LiveRegistry, host: Host, reader: asyncio.StreamReader, output: Output) -> GtoServer:
    """Serve one connection to its end and return its server; cancelling the calling task closes it."""
    task = asyncio.current_task()
    assert task is not None
    ended = False

    def end() -> None:
        nonlocal ended
        if not ended:
            ended = True
            task.cancel()

    server = create_server(live, host)
    server.on_end(end)

    def notify(change: Change) -> None:
        params = wire.RegistryChangedParams(generation=change.generation, artifacts=list(change.artifacts))
        server.protocol.notify(wire.REGISTRY_CHANGED, wire.result(params))

    unsubscribe = live.subscribe(notify)
    try:
        await serve(server, reader, output)
    except asyncio.CancelledError:
        if not ended:
            raise
        task.uncancel()
    finally:
        unsubscribe()
        output.close()
    return server


async def read_frame(reader: asyncio.StreamReader, limit: int = MAX_MESSAGE_BYTES) -> bytes | int | None:
    """The next message body; its length when above ``limit`` (the body is skipped); None at the end.

    Raises ``FramingError`` when the headers make the next message impossible to find.
    """
    length: int | None = None
    seen_header = False
    while True:
        try:
            line = await reader.readline()
        except ValueError:  # a line longer than the reader's limit
            raise FramingError("Header line too long") from None
        if not line:
            if seen_header:
                raise FramingError("Connection closed inside a message header")
            return None
        if not line.strip():
            if length is None:
                if seen_header:
                    raise FramingError("Missing Content-Length header")
                continue  # blank lines between messages are harmless
            break
        seen_header = True
        name, colon, value = line.partition(b":")
        if not colon:
            raise FramingError(f"Malformed header line {line[:80]!r}")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                raise FramingError(f"Invalid Content-Length {value.strip()[:40]!r}") from None
            if length < 0:
                raise FramingError(f"Invalid Content-Length {length}")
    if length > limit:
        remaining = length
        while remaining:
            chunk = await reader.read(min(remaining, _DISCARD_CHUNK))
            if not chunk:
                return None
            remaining -= len(chunk)
        return length
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        return None


async def serve(server: GtoServer, reader: asyncio.StreamReader, output: Output) -> None:
    """Read messages until the client leaves, sends ``exit``, or breaks the framing."""
    protocol = server.protocol
    protocol.set_writer(output)
    while True:
        try:
            frame = await read_frame(reader)
        except FramingError as error:
            protocol.send_error(None, PARSE_ERROR, f"Parse error: {error}; closing the connection")
            return
        if frame is None:
            await protocol.finish_requests()
            return
        if isinstance(frame, int):
            protocol.send_error(
                None, INVALID_REQUEST, f"Message of {frame} bytes exceeds the limit of {MAX_MESSAGE_BYTES} bytes"
            )
            continue
        dispatch(server, frame)


def dispatch(server: GtoServer, body: bytes) -> None:
    """Check one message body and hand it to the server; answer what cannot be handed on."""
    protocol = server.protocol
    try:
        data = json.loads(body)
    except ValueError as error:  # invalid JSON or invalid UTF-8
        protocol.send_error(None, PARSE_ERROR, f"Parse error: {error}")
        return
    problem = _invalid(data)
    if problem is not None:
        msg_id = data.get("id") if isinstance(data, dict) and _valid_id(data.get("id")) else None
        protocol.send_error(msg_id, INVALID_REQUEST, f"Invalid request: {problem}")
        return
    is_request = "method" in data and "id" in data
    try:
        message = protocol.structure_message(data)
    except Exception as error:
        # pygls raises its own JSON-RPC errors for params that do not fit an LSP type.
        if is_request:
            code = getattr(error, "code", INVALID_REQUEST)
            protocol.send_error(data["id"], code, f"Invalid params for {data['method']}: {error}")
        else:
            logger.warning("Ignoring a malformed %s notification: %s", data.get("method"), error)
        return
    try:
        protocol.handle_message(message)
    except Exception:
        logger.exception("Handling %s failed", data.get("method", "a response"))


def _invalid(data: Any) -> str | None:
    """Why a decoded message is not a JSON-RPC 2.0 message, or None."""
    if isinstance(data, list):
        return "batches are not supported"
    if not isinstance(data, dict):
        return "a message must be a JSON object"
    if data.get("jsonrpc") != "2.0":
        return "'jsonrpc' must be \"2.0\""
    if "id" in data and not _valid_id(data["id"]):
        return "'id' must be a string, a number or null"
    if "method" in data:
        if not isinstance(data["method"], str):
            return "'method' must be a string"
        return None
    if "id" not in data or not ("result" in data or "error" in data):
        return "a message needs a 'method', or an 'id' with a 'result' or an 'error'"
    return None


def _valid_id(value: Any) -> bool:
    return value is None or (isinstance(value, str | int) and not isinstance(value, bool))

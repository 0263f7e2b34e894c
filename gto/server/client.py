"""A small synchronous JSON-RPC 2.0 client with LSP base framing, over a unix socket or pipes.

Used by ``gto daemon status|stop``, by the tests, and by the thin command-line client to come,
which must start fast: so this module uses the standard library only (no pydantic, pygls or
typer) and imports nothing from gto but the error classes. It frames, sends, waits with a
timeout and matches answers to requests; it knows no method of the gto protocol.

Notifications that arrive while waiting for an answer are kept, in order, for
``wait_notification``. Requests from the server are answered with "method not found".
"""

from __future__ import annotations

import json
import os
import select
import socket
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

_HEADER_END = b"\r\n\r\n"
_CHUNK = 1 << 16


class RemoteError(Exception):
    """The server answered a request with a JSON-RPC error; ``kind`` is gto's error kind, if any."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    @property
    def kind(self) -> str | None:
        return self.data.get("kind") if isinstance(self.data, dict) else None


class ConnectionClosed(Exception):
    """The server closed the connection (or died) before the answer came."""


class Client:
    """One connection to a gto server. Not thread-safe: one caller at a time."""

    def __init__(self, read_fd: int, send: Callable[[bytes], None], close: Callable[[], None]) -> None:
        self._read_fd = read_fd
        self._send = send
        self._close = close
        self._buffer = bytearray()
        self._next_id = 0
        self._answers: dict[int | str | None, dict[str, Any]] = {}
        self.notifications: deque[dict[str, Any]] = deque()
        self.closed = False

    # -- opening and closing --------------------------------------------------------------------

    @classmethod
    def connect(cls, path: str | Path, timeout: float = 5.0) -> Client:
        """Connect to a daemon's unix socket; ``OSError`` when nothing listens there."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(os.fspath(path))
        except OSError:
            sock.close()
            raise
        sock.settimeout(None)
        return cls(sock.fileno(), sock.sendall, sock.close)

    @classmethod
    def over_pipes(cls, read_fd: int, write_fd: int) -> Client:
        """Talk over a pair of pipes, such as a ``gto server --stdio`` child's stdout and stdin."""

        def send(data: bytes) -> None:
            view = memoryview(data)
            while view:
                view = view[os.write(write_fd, view) :]

        return cls(read_fd, send, lambda: None)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- talking ------------------------------------------------------------------------------

    def request(self, method: str, params: Any = None, timeout: float = 30.0) -> Any:
        """Send a request and wait for its answer; raises ``RemoteError`` for an error answer."""
        self._next_id += 1
        request_id = self._next_id
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        answer = self.wait_answer(request_id, timeout)
        if "error" in answer:
            error = answer["error"]
            raise RemoteError(error.get("code", 0), error.get("message", ""), error.get("data"))
        return answer.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def send(self, message: Any) -> None:
        """Send one JSON value as one framed message."""
        self.send_body(json.dumps(message).encode("utf-8"))

    def send_body(self, body: bytes) -> None:
        """Frame and send raw bytes (tests use it to send what no good client would)."""
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def send_raw(self, data: bytes) -> None:
        try:
            self._send(data)
        except OSError as error:
            raise ConnectionClosed(f"cannot send: {error}") from None

    def wait_answer(self, request_id: int | str | None, timeout: float = 30.0) -> dict[str, Any]:
        """The answer to ``request_id`` (None: an error answer that names no request)."""
        deadline = time.monotonic() + timeout
        while request_id not in self._answers:
            self._read_message(deadline)
        return self._answers.pop(request_id)

    def wait_notification(
        self,
        method: str,
        timeout: float = 30.0,
        accept: Callable[[Any], bool] | None = None,
    ) -> Any:
        """The params of the first kept or next notification of ``method`` that ``accept`` takes.

        Notifications skipped on the way (other methods, or not accepted) are dropped.
        """
        deadline = time.monotonic() + timeout
        while True:
            while self.notifications:
                message = self.notifications.popleft()
                params = message.get("params")
                if message.get("method") == method and (accept is None or accept(params)):
                    return params
            self._read_message(deadline)

    # -- reading ------------------------------------------------------------------------------

    def _read_message(self, deadline: float) -> None:
        """Read one message and file it as an answer or a notification."""
        while True:
            end = self._buffer.find(_HEADER_END)
            if end >= 0:
                length = _content_length(bytes(self._buffer[:end]))
                start = end + len(_HEADER_END)
                if len(self._buffer) >= start + length:
                    body = bytes(self._buffer[start : start + length])
                    del self._buffer[: start + length]
                    self._file(json.loads(body))
                    return
            self._fill(deadline)

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no answer from the gto server in time")
        ready, _, _ = select.select([self._read_fd], [], [], remaining)
        if not ready:
            raise TimeoutError("no answer from the gto server in time")
        try:
            chunk = os.read(self._read_fd, _CHUNK)
        except OSError as error:
            raise ConnectionClosed(f"cannot read: {error}") from None
        if not chunk:
            raise ConnectionClosed("the gto server closed the connection")
        self._buffer += chunk

    def _file(self, message: Any) -> None:
        if not isinstance(message, dict):
            return
        if "method" in message and "id" in message:
            # A request from the server: this client offers no methods.
            self.send(
                {
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "error": {"code": -32601, "message": f"Method not found: {message['method']}"},
                }
            )
        elif "method" in message:
            self.notifications.append(message)
        else:
            self._answers[message.get("id")] = message


def _content_length(header: bytes) -> int:
    for line in header.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    raise ConnectionClosed("the gto server sent a message without Content-Length")

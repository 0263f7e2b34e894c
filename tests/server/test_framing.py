"""The base protocol at the edges: malformed and oversized messages get JSON-RPC errors.

Where the header still says where the next message starts, the connection stays usable; a
header that does not leaves no way to read on, and the connection is closed after the error.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cli.conftest import isolate
from conftest import Repo

from gto.server.client import Client, ConnectionClosed
from gto.server.connection import MAX_MESSAGE_BYTES

from .conftest import TIMEOUT, Daemon, spawn_daemon


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    # One daemon for the module: what a test breaks is its own connection only.
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("home"))
        path = tmp_path_factory.mktemp("framing") / "repo"
        path.mkdir()
        repo = Repo(path)
        repo.git("init", "-q", "-b", "main")
        repo.commit()
        repo.tag("rf@v1.0.0")
        daemon = spawn_daemon(path, "--check-interval", "0", "--no-watch")
        try:
            yield daemon
        finally:
            daemon.terminate()


@pytest.fixture
def client(daemon: Daemon) -> Iterator[Client]:
    client = daemon.connect()
    yield client
    client.close()


def still_usable(client: Client) -> None:
    assert client.request("gto/latest", {"name": "rf"}, TIMEOUT)["version"] == "v1.0.0"


@pytest.mark.parametrize(
    ("body", "answer_id", "code", "fragment"),
    [
        (b"{not json", None, -32700, "Parse error"),
        (b"\xff\xfe\x00garbage", None, -32700, "Parse error"),
        (b"[]", None, -32600, "batches are not supported"),
        (b'"hello"', None, -32600, "a message must be a JSON object"),
        (b'{"id": 1, "method": "gto/show"}', 1, -32600, "'jsonrpc' must be"),
        (b'{"jsonrpc": "1.0", "id": "a", "method": "gto/show"}', "a", -32600, "'jsonrpc' must be"),
        (b'{"jsonrpc": "2.0", "id": 2, "method": 42}', 2, -32600, "'method' must be a string"),
        (b'{"jsonrpc": "2.0", "id": [1], "method": "gto/show"}', None, -32600, "'id' must be"),
        (b'{"jsonrpc": "2.0", "id": 3}', 3, -32600, "a message needs a 'method'"),
    ],
)
def test_malformed_messages_get_an_error_and_the_connection_stays_usable(
    client: Client, body: bytes, answer_id: int | str | None, code: int, fragment: str
) -> None:
    client.send_body(body)
    error = client.wait_answer(answer_id, TIMEOUT)["error"]
    assert error["code"] == code
    assert fragment in error["message"]
    still_usable(client)


def test_bad_params_of_an_lsp_request_are_answered(client: Client) -> None:
    client.send({"jsonrpc": "2.0", "id": 9, "method": "initialize", "params": {"capabilities": 3}})
    assert client.wait_answer(9, TIMEOUT)["error"]["code"] in (-32602, -32603)
    still_usable(client)


def test_an_oversized_message_is_skipped_unread_and_answered(client: Client) -> None:
    size = MAX_MESSAGE_BYTES + 1
    client.send_raw(b"Content-Length: %d\r\n\r\n" % size + b" " * size)
    error = client.wait_answer(None, TIMEOUT)["error"]
    assert error["code"] == -32600
    assert error["message"] == f"Message of {size} bytes exceeds the limit of {MAX_MESSAGE_BYTES} bytes"
    still_usable(client)


def test_headers_are_read_leniently(client: Client) -> None:
    body = b'{"jsonrpc": "2.0", "id": 3, "method": "gto/stages"}'
    client.send_raw(
        b"\r\ncontent-length:%d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" % len(body) + body
    )
    assert client.wait_answer(3, TIMEOUT)["result"] == []


@pytest.mark.parametrize(
    "header",
    [b"Content-Type: text/plain\r\n\r\n{}", b"garbage without a colon\r\n\r\n", b"Content-Length: many\r\n\r\n"],
)
def test_a_header_that_hides_the_next_message_gets_an_error_then_the_connection_closes(
    client: Client, header: bytes
) -> None:
    client.send_raw(header)
    error = client.wait_answer(None, TIMEOUT)["error"]
    assert error["code"] == -32700
    assert error["message"].endswith("closing the connection")
    with pytest.raises(ConnectionClosed):
        client.wait_answer(None, TIMEOUT)

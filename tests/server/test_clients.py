"""Many clients at once: each gets its own answers, all get notifications, none can end another."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import Repo

from gto.server.client import ConnectionClosed, RemoteError

from .conftest import TIMEOUT, Daemon, next_change


@pytest.fixture
def daemon(repo: Repo, daemons: Callable[..., Daemon]) -> Daemon:
    repo.tag("rf@v1.0.0")
    repo.tag("nn@v0.1.0")
    return daemons(repo.path, "--check-interval", "0")


def test_two_clients_get_their_own_answers_and_both_get_notifications(repo: Repo, daemon: Daemon) -> None:
    first, second = daemon.connect(), daemon.connect()
    # Interleaved requests with the same ids on both connections: each answer goes to its asker.
    first.send({"jsonrpc": "2.0", "id": 7, "method": "gto/latest", "params": {"name": "rf"}})
    second.send({"jsonrpc": "2.0", "id": 7, "method": "gto/latest", "params": {"name": "nn"}})
    assert second.wait_answer(7, TIMEOUT)["result"]["version"] == "v0.1.0"
    assert first.wait_answer(7, TIMEOUT)["result"]["version"] == "v1.0.0"
    assert first.request("gto/status")["clients"] == 2

    repo.tag("rf@v1.1.0")
    assert next_change(first)["artifacts"] == ["rf"]
    assert next_change(second)["artifacts"] == ["rf"]

    # A write by one client is announced to both.
    second.request("gto/assign", {"name": "nn", "stage": "dev", "version": "v0.1.0"})
    assert next_change(first)["artifacts"] == ["nn"]
    assert next_change(second)["artifacts"] == ["nn"]


def test_a_client_leaving_or_exiting_leaves_the_others_working(repo: Repo, daemon: Daemon) -> None:
    stays, leaves, exits = daemon.connect(), daemon.connect(), daemon.connect()

    # One disconnects in the middle of a message, the other ends its LSP session properly
    # (after shutdown, it only gets errors until it sends exit).
    leaves.send_raw(b"Content-Length: 100\r\n\r\n{")
    leaves.close()
    assert exits.request("shutdown") is None
    with pytest.raises(RemoteError) as caught:
        exits.request("gto/latest", {"name": "rf"}, TIMEOUT)
    assert caught.value.code == -32600
    exits.notify("exit")
    with pytest.raises(ConnectionClosed):
        exits.wait_answer(None, TIMEOUT)

    assert stays.request("gto/latest", {"name": "rf"})["version"] == "v1.0.0"
    repo.tag("rf@v2.0.0")
    assert next_change(stays)["artifacts"] == ["rf"]
    assert stays.request("gto/status")["clients"] == 1
    # The daemon still takes new clients.
    assert daemon.connect().request("gto/latest", {"name": "rf"})["version"] == "v2.0.0"
    assert daemon.process.poll() is None

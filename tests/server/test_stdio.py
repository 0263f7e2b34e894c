"""``gto server --stdio``: the editor's transport, with the LSP lifecycle, run as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from conftest import Repo, api_json

from gto import api
from gto.server.client import Client

from .conftest import GTO, TIMEOUT, next_change


@dataclass
class Editor:
    process: subprocess.Popen[bytes]
    client: Client


@pytest.fixture
def editor(repo: Repo, request: pytest.FixtureRequest) -> Iterator[Editor]:
    repo.tag("rf@v1.0.0")
    # The lifecycle test runs the real command line; the others the module it runs, a little faster.
    command = (
        [str(GTO), "server", "--stdio", "-r", str(repo.path)]
        if request.node.name.startswith("test_lsp_lifecycle")
        else [sys.executable, "-m", "gto.server", "stdio", "--repo", str(repo.path)]
    )
    process = subprocess.Popen(
        [*command, "--check-interval", "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    client = Client.over_pipes(process.stdout.fileno(), process.stdin.fileno())
    yield Editor(process, client)
    if process.poll() is None:
        process.kill()
    process.wait(TIMEOUT)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def initialize(client: Client) -> dict:  # type: ignore[type-arg]
    result: dict = client.request(  # type: ignore[type-arg]
        "initialize", {"processId": None, "rootUri": None, "capabilities": {}}, TIMEOUT
    )
    client.notify("initialized", {})
    return result


def test_lsp_lifecycle_and_gto_requests_over_stdio(repo: Repo, editor: Editor) -> None:
    client = editor.client
    result = initialize(client)
    assert result["serverInfo"]["name"] == "gto"
    assert "capabilities" in result

    assert client.request("gto/show", {}, TIMEOUT) == api_json(api.show_registry(repo.path))
    status = client.request("gto/status", {}, TIMEOUT)
    assert (status["transport"], status["socket"], status["pid"]) == ("stdio", None, editor.process.pid)

    # The editor hears about changes made behind its back.
    repo.tag("rf@v1.1.0")
    assert next_change(client)["artifacts"] == ["rf"]
    assert client.request("gto/latest", {"name": "rf"}, TIMEOUT)["version"] == "v1.1.0"

    assert client.request("shutdown", None, TIMEOUT) is None
    client.notify("exit")
    assert editor.process.wait(TIMEOUT) == 0
    # Nothing but protocol went to stdout: the stream ended right after the last answer.
    assert editor.process.stdout is not None and editor.process.stdout.read() == b""


def test_exit_without_shutdown_is_an_error_exit(editor: Editor) -> None:
    initialize(editor.client)
    editor.client.notify("exit")
    assert editor.process.wait(TIMEOUT) == 1


def test_closing_stdin_ends_the_server(editor: Editor) -> None:
    assert editor.client.request("gto/stages", {}, TIMEOUT) == []
    assert editor.process.stdin is not None
    editor.process.stdin.close()
    assert editor.process.wait(TIMEOUT) == 0


def test_server_needs_stdio_and_a_repository(tmp_path: object) -> None:
    done = subprocess.run([str(GTO), "server", "-r", str(tmp_path)], capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2 and "only --stdio is supported" in done.stderr
    done = subprocess.run(
        [str(GTO), "server", "--stdio", "-r", str(tmp_path)], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 1 and "is not a git repository" in done.stderr

"""Fixtures for server tests: real daemon processes on real sockets, and clients that talk to them.

A daemon here is ``python -m gto.server daemon`` run as a child of the test (so the test can
kill it, signal it and wait for it), reporting readiness on a pipe as under ``gto daemon
start``. Every wait is for an event (a pipe, an answer, a notification, a process exit) with a
generous timeout that only guards against hangs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gto import git
from gto.server.client import Client
from gto.server.daemon import read_report
from gto.server.location import DaemonFiles, daemon_files

GTO = Path(sys.executable).parent / "gto"
# Only a guard against hangs: every wait returns as soon as its event happens.
TIMEOUT = 30.0
REGISTRY_CHANGED = "gto/registryChanged"


@dataclass
class Daemon:
    """A daemon process that is a child of the test."""

    process: subprocess.Popen[bytes]
    files: DaemonFiles
    stderr: Path
    clients: list[Client] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    def connect(self) -> Client:
        """A client whose connection the daemon has set up (subscribed to changes) already."""
        client = Client.connect(self.files.socket, TIMEOUT)
        self.clients.append(client)
        client.request("gto/status", timeout=TIMEOUT)
        return client

    def terminate(self) -> int:
        for client in self.clients:
            client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(TIMEOUT)


def spawn_daemon(repo: Path, *args: str, env: dict[str, str] | None = None, stderr: Path | None = None) -> Daemon:
    """Start a daemon for ``repo`` in the foreground and wait until it listens."""
    environ = dict(os.environ if env is None else env)
    files = daemon_files(git.find_repo(repo).git_dir, environ)
    stderr = stderr or repo.parent / f"daemon-{repo.name}.err"
    read_end, write_end = os.pipe()
    with open(stderr, "ab") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "gto.server", "daemon", "--repo", str(repo), "--idle-timeout", "0", *args]
            + ["--ready-fd", str(write_end)],
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            pass_fds=(write_end,),
            env=environ,
        )
    os.close(write_end)
    try:
        report = read_report(read_end, TIMEOUT)
    finally:
        os.close(read_end)
    if report != "ready":
        process.kill()
        process.wait(TIMEOUT)
        raise AssertionError(f"the daemon did not start: {report!r}; stderr: {stderr.read_text()}")
    return Daemon(process, files, stderr)


@pytest.fixture
def daemons() -> Iterator[Callable[..., Daemon]]:
    """Start daemons that are stopped (and if need be killed) when the test ends."""
    started: list[Daemon] = []

    def start(repo: Path, *args: str, env: dict[str, str] | None = None) -> Daemon:
        daemon = spawn_daemon(repo, *args, env=env)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        try:
            daemon.terminate()
        except subprocess.TimeoutExpired:
            daemon.process.kill()
            daemon.process.wait(TIMEOUT)


def changed(client: Client, artifact: str, timeout: float = TIMEOUT) -> dict[str, Any]:
    """Wait for the registryChanged notification that names ``artifact``."""
    params: dict[str, Any] = client.wait_notification(
        REGISTRY_CHANGED, timeout, accept=lambda params: artifact in params["artifacts"]
    )
    return params


def next_change(client: Client, timeout: float = TIMEOUT) -> dict[str, Any]:
    """The very next registryChanged notification, whatever it names."""
    params: dict[str, Any] = client.wait_notification(REGISTRY_CHANGED, timeout)
    return params


def write_atomically(path: Path, text: str) -> None:
    """Replace a file the way editors and git do, so that no reader sees it half written."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def run_gto(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed ``gto`` executable."""
    return subprocess.run(
        [str(GTO), *args],
        env=dict(os.environ if env is None else env),
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT * 2,
    )

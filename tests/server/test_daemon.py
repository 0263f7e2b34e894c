"""The daemon's life through the command line: start, status, stop, restart, crashes, limits.

The first test drives the installed ``gto`` executable; the others run the same commands
in-process (``gto.cli.run``), which saves a Python start per command. ``gto daemon start``
detaches its daemon, so these tests stop it through ``gto daemon stop`` (and a fixture makes
sure nothing is left running). Signals, crashes and idleness are tested on daemons that are
children of the test, which can wait for them to exit.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli.conftest import Result, run_in_process
from conftest import Repo

from gto import git
from gto.server.client import Client
from gto.server.daemon import running_pid, wait_until_stopped
from gto.server.location import SOCKET_PATH_LIMIT, DaemonFiles, daemon_files

from .conftest import TIMEOUT, Daemon, run_gto, spawn_daemon


@pytest.fixture
def repo(repo: Repo) -> Iterator[Repo]:
    repo.tag("rf@v1.0.0")
    yield repo
    # Whatever a test did, leave no daemon behind.
    files = daemon_files(git.find_repo(repo.path).git_dir, dict(os.environ))
    pid = running_pid(files)
    if pid is not None and pid > 0:
        os.kill(pid, signal.SIGKILL)
        wait_until_stopped(files, TIMEOUT)


def files_of(repo: Repo) -> DaemonFiles:
    return daemon_files(git.find_repo(repo.path).git_dir, dict(os.environ))


def gto(*args: str) -> Result:
    return run_in_process(*args)


def test_start_status_second_start_stop(repo: Repo) -> None:
    files = files_of(repo)
    started = run_gto("daemon", "start", "-r", str(repo.path))
    assert started.returncode == 0, started.stderr
    pid = running_pid(files)
    assert started.stdout == f"Started the gto daemon (pid {pid}) on {files.socket}\n"
    assert started.stderr == ""

    status = run_gto("daemon", "status", "-r", str(repo.path))
    assert status.returncode == 0, status.stderr
    lines = dict(line.split(None, 1) for line in status.stdout.splitlines())
    assert lines["pid"] == str(pid)
    assert lines["socket"] == str(files.socket)
    assert lines["repository"] == str(repo.path.resolve())
    assert lines["tags"] == "1" and lines["artifacts"] == "1" and lines["generation"] == "0"
    assert lines["memory"].endswith(" MiB") and lines["uptime"].endswith("s")
    assert set(lines) == {
        "pid",
        "socket",
        "repository",
        "uptime",
        "tags",
        "artifacts",
        "generation",
        "memory",
        "clients",
    }

    second = run_gto("daemon", "start", "-r", str(repo.path))
    assert second.returncode == 1
    assert second.stdout == ""
    assert second.stderr == f"❌ A gto daemon already runs for this repository (pid {pid}, socket {files.socket})\n"

    # The daemon's files: a private directory, a socket only we can use, nothing on stdout.
    assert stat.S_IMODE(files.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(files.socket.stat().st_mode) == 0o600
    assert "Listening on" in files.log.read_text()

    stopped = run_gto("daemon", "stop", "-r", str(repo.path))
    assert (stopped.returncode, stopped.stdout) == (0, f"Stopped the gto daemon (pid {pid})\n")
    assert not files.socket.exists() and not files.pid.exists()

    result = run_gto("daemon", "status", "-r", str(repo.path))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "❌ No gto daemon runs for this repository\n"


def test_status_json_and_restart(repo: Repo) -> None:
    assert gto("daemon", "start", "-r", str(repo.path)).code == 0
    first = running_pid(files_of(repo))
    restarted = gto("daemon", "restart", "-r", str(repo.path))
    assert restarted.code == 0, restarted.err
    second = running_pid(files_of(repo))
    assert second != first
    assert restarted.out.splitlines()[0] == f"Stopped the gto daemon (pid {first})"
    status = json.loads(gto("daemon", "status", "--json", "-r", str(repo.path)).out)
    assert status["pid"] == second and status["transport"] == "socket"
    assert gto("daemon", "stop", "-r", str(repo.path)).code == 0


def test_two_starts_at_once_give_one_daemon(repo: Repo) -> None:
    results = []

    def start() -> None:
        results.append(gto("daemon", "start", "-r", str(repo.path)))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert sorted(result.code for result in results) == [0, 1]
    refused = next(result for result in results if result.code == 1)
    assert refused.err.startswith("❌ A gto daemon already runs for this repository")
    assert gto("daemon", "stop", "-r", str(repo.path)).code == 0


def test_a_daemon_killed_with_sigkill_is_replaced_by_the_next_start(repo: Repo) -> None:
    crashed = spawn_daemon(repo.path)
    files = crashed.files
    os.kill(crashed.pid, signal.SIGKILL)
    crashed.process.wait(TIMEOUT)
    # What the crash left behind: a socket nobody listens on and a pid file nobody locks.
    assert files.socket.exists() and files.pid.exists()
    assert running_pid(files) is None
    with pytest.raises(ConnectionRefusedError):
        Client.connect(files.socket)
    assert gto("daemon", "status", "-r", str(repo.path)).err == "❌ No gto daemon runs for this repository\n"

    started = gto("daemon", "start", "-r", str(repo.path))
    assert started.code == 0, started.err
    with Client.connect(files.socket) as client:
        assert client.request("gto/latest", {"name": "rf"}, TIMEOUT)["version"] == "v1.0.0"
    assert gto("daemon", "stop", "-r", str(repo.path)).code == 0


def test_sigterm_stops_cleanly(repo: Repo) -> None:
    daemon = spawn_daemon(repo.path)
    client = daemon.connect()
    daemon.process.send_signal(signal.SIGTERM)
    assert daemon.process.wait(TIMEOUT) == 0
    assert not daemon.files.socket.exists() and not daemon.files.pid.exists()
    assert "Stopping: SIGTERM" in daemon.files.log.read_text()
    client.close()


def test_an_idle_daemon_exits(repo: Repo) -> None:
    daemon = spawn_daemon(repo.path, "--idle-timeout", "0.3")
    # A client connected and left: the idle time counts from then.
    daemon.connect().close()
    assert daemon.process.wait(TIMEOUT) == 0
    assert not daemon.files.socket.exists() and not daemon.files.pid.exists()
    assert "Stopping: idle for 0.3 seconds" in daemon.files.log.read_text()


@pytest.fixture
def runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # Short, whatever the test's temporary directory is: the fallback socket must fit in it.
    runtime = Path(tempfile.mkdtemp(prefix="gto-test-", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    yield runtime
    shutil.rmtree(runtime)


def test_a_socket_path_too_long_moves_to_the_runtime_directory(tmp_path: Path, runtime_dir: Path) -> None:
    runtime = runtime_dir
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    repo = Repo(deep)
    repo.git("init", "-q", "-b", "main")
    repo.commit()
    files = files_of(repo)
    assert len(os.fsencode(files.directory / "daemon.sock")) > SOCKET_PATH_LIMIT
    assert files.socket.parent == runtime / "gto"

    daemon: Daemon = spawn_daemon(deep)
    try:
        assert stat.S_IMODE((runtime / "gto").stat().st_mode) == 0o700
        assert stat.S_IMODE(files.socket.stat().st_mode) == 0o600
        status = gto("daemon", "status", "-r", str(deep))
        assert f"socket      {files.socket}" in status.out
    finally:
        daemon.terminate()
    assert not files.socket.exists()


def test_daemon_directories_are_made_private_and_links_refused(tmp_path: Path) -> None:
    from gto.errors import DaemonError
    from gto.server.location import prepare_directory

    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    with pytest.raises(DaemonError, match="is not a directory"):
        prepare_directory(link)
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    prepare_directory(loose)
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700


def test_daemon_commands_need_a_repository(tmp_path: Path) -> None:
    result = gto("daemon", "status", "-r", str(tmp_path))
    assert (result.code, result.err) == (1, f"❌ '{tmp_path}' is not a git repository\n")
    result = gto("daemon", "start", "--idle-timeout", "-1", "-r", str(tmp_path))
    assert result.code == 2
    assert gto("daemon", "stop", "-r", str(tmp_path)).code == 1


def test_socket_locations() -> None:
    short = daemon_files(Path("/src/repo/.git"), {})
    assert short.socket == Path("/src/repo/.git/gto/daemon.sock")
    assert short.pid == Path("/src/repo/.git/gto/daemon.pid") and short.log == Path("/src/repo/.git/gto/daemon.log")
    deep = Path("/src") / ("x" * 120) / ".git"
    fallback = daemon_files(deep, {})
    assert fallback.socket.parent == Path(f"/tmp/gto-{os.getuid()}")
    assert fallback.pid == deep / "gto" / "daemon.pid"
    # The same git directory always gives the same socket; another one another socket.
    assert daemon_files(deep, {}).socket == fallback.socket
    assert daemon_files(Path("/src") / ("y" * 120) / ".git", {}).socket != fallback.socket
    # A relative XDG_RUNTIME_DIR is ignored, as the XDG specification asks.
    assert daemon_files(deep, {"XDG_RUNTIME_DIR": "run"}).socket.parent == fallback.socket.parent


def test_each_linked_worktree_has_its_own_daemon_files(repo: Repo, tmp_path: Path) -> None:
    # The registry depends on HEAD and .gto, which a linked worktree does not share.
    repo.git("worktree", "add", "-q", str(tmp_path / "other"), "-b", "other")
    main, other = files_of(repo), daemon_files(git.find_repo(tmp_path / "other").git_dir, dict(os.environ))
    assert main.directory == repo.path.resolve() / ".git" / "gto"
    assert other.directory == repo.path.resolve() / ".git" / "worktrees" / "other" / "gto"
    assert other.socket != main.socket

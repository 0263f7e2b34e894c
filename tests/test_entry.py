"""The thin client (``gto.entry``): through a running daemon, or here; never a wrong answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Repo

from gto import entry
from gto.errors import GTOError
from gto.server import daemon

GTO = Path(sys.executable).parent / "gto"


def gto(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GTO), *args], cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def served(repo: Repo) -> Iterator[Repo]:
    """A repository with a few tags and a real daemon serving it."""
    repo.tag("rf@v1.0.0")
    repo.tag("rf#prod#1")
    daemon.start(repo.path, daemon.DaemonOptions(idle_timeout=120), dict(os.environ))
    yield repo
    try:
        daemon.stop(repo.path, dict(os.environ))
    except GTOError:
        pass


@pytest.mark.parametrize(
    ("args", "env", "mode", "argv"),
    [
        (["show"], {}, "auto", ["show"]),
        (["--no-daemon", "show"], {"GTO_DAEMON": "required"}, "off", ["show"]),
        (["show", "--daemon"], {"GTO_DAEMON": "off"}, "required", ["show"]),
        (["show"], {"GTO_DAEMON": "OFF"}, "off", ["show"]),
        (["parse-tag", "--", "--daemon"], {}, "auto", ["parse-tag", "--", "--daemon"]),
    ],
)
def test_daemon_mode(args: list[str], env: dict[str, str], mode: str, argv: list[str]) -> None:
    assert entry.daemon_mode(args, env) == (mode, argv)


@pytest.mark.parametrize(
    ("argv", "repo"),
    [
        (["show"], "."),
        (["show", "-r", "x"], "x"),
        (["show", "--repo", "x"], "x"),
        (["show", "--repo=x/y"], "x/y"),
        (["show", "-rx"], "x"),
        (["check-ref", "--", "-r"], "."),
    ],
)
def test_repo_argument(argv: list[str], repo: str) -> None:
    assert entry.repo_argument(argv) == repo


@pytest.mark.parametrize(
    ("argv", "forward"),
    [
        (["show"], True),
        (["register", "rf"], True),
        ([], False),
        (["--help"], False),
        (["show", "-h"], False),
        (["--version"], False),
        (["daemon", "status"], False),
        (["server", "--stdio"], False),
    ],
)
def test_what_a_daemon_may_answer(argv: list[str], forward: bool) -> None:
    assert entry.forwardable(argv) is forward


def test_find_git_dir_follows_dot_git_files(repo: Repo, tmp_path: Path) -> None:
    (repo.path / "sub" / "deeper").mkdir(parents=True)
    assert entry.find_git_dir(str(repo.path / "sub" / "deeper")) == os.path.realpath(repo.path / ".git")
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", str(linked))
    found = entry.find_git_dir(str(linked))
    assert found is not None and found.startswith(os.path.realpath(repo.path / ".git" / "worktrees"))
    outside = tmp_path / "plain"
    outside.mkdir()
    assert entry.find_git_dir(str(outside)) is None


def test_answers_through_the_daemon_without_importing_heavy_modules(served: Repo) -> None:
    probe = (
        "import sys\n"
        "from gto import entry\n"
        "code = entry.run(['show', '-r', sys.argv[1]])\n"
        "heavy = sorted(m for m in ('typer', 'click', 'pydantic', 'git', 'pygls', 'lsprotocol', 'watchfiles', 'yaml')"
        " if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "GTO_DAEMON": "required"}
    done = subprocess.run(
        [sys.executable, "-c", probe, str(served.path)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "HEAVY []\n"
    local = gto("show", "-r", str(served.path), GTO_DAEMON="off")
    assert done.stdout == local.stdout


def test_same_bytes_through_the_daemon_and_locally(served: Repo) -> None:
    for args in (["show"], ["show", "rf"], ["history", "rf", "--json"], ["which", "rf", "prod"], ["show", "nope"]):
        through = gto(*args, "-r", str(served.path), GTO_DAEMON="required")
        local = gto(*args, "-r", str(served.path), GTO_DAEMON="off")
        assert (through.returncode, through.stdout, through.stderr) == (local.returncode, local.stdout, local.stderr)


def test_a_plain_git_tag_is_seen_by_the_very_next_command(served: Repo) -> None:
    served.tag("rf#prod#2", "HEAD", date=served.tick())
    served.commit()
    served.tag("rf@v2.0.0")
    assert gto("latest", "rf", "-r", str(served.path), GTO_DAEMON="required").stdout == "v2.0.0\n"


def test_killed_daemon_costs_the_next_command_no_error(served: Repo) -> None:
    first = gto("which", "rf", "prod", "-r", str(served.path), GTO_DAEMON="required")
    assert first.stdout == "v1.0.0\n"
    pid = int((served.path / ".git" / "gto" / "daemon.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    daemon.wait_until_stopped(daemon.files_of(served.path, os.environ)[1], 10)
    second = gto("which", "rf", "prod", "-r", str(served.path))
    assert (second.returncode, second.stdout, second.stderr) == (0, "v1.0.0\n", "")
    required = gto("which", "rf", "prod", "-r", str(served.path), GTO_DAEMON="required")
    assert required.returncode == 1
    assert (
        required.stderr
        == f"❌ No gto daemon answers for '{os.path.realpath(served.path)}': start one with 'gto daemon start'\n"
    )


def test_a_hung_daemon_costs_a_short_timeout_and_gives_the_right_answer(repo: Repo) -> None:
    repo.tag("rf@v1.0.0")
    # Something listens on the daemon's socket but never answers.
    files = daemon.files_of(repo.path, os.environ)[1]
    files.directory.mkdir(mode=0o700, exist_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(os.fspath(files.socket))
    listener.listen()
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    try:
        result = gto("latest", "rf", "-r", str(repo.path), GTO_DAEMON_TIMEOUT="0.5")
        assert (result.returncode, result.stdout, result.stderr) == (0, "v1.0.0\n", "")
    finally:
        for connection in accepted:
            connection.close()
        listener.close()


def test_invalid_mode_is_a_usage_error(repo: Repo) -> None:
    result = gto("show", "-r", str(repo.path), GTO_DAEMON="sometimes")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "❌ Invalid GTO_DAEMON 'sometimes': use auto, off or required\n"


def test_autostart_starts_a_daemon_on_first_use(repo: Repo) -> None:
    repo.tag("rf@v1.0.0")
    try:
        result = gto("latest", "rf", "-r", str(repo.path), GTO_DAEMON_AUTOSTART="1", GTO_DAEMON_IDLE_TIMEOUT="60")
        assert (result.returncode, result.stdout) == (0, "v1.0.0\n")
        status = gto("daemon", "status", "-r", str(repo.path))
        assert status.returncode == 0 and "generation" in status.stdout
        again = gto("latest", "rf", "-r", str(repo.path), GTO_DAEMON="required")
        assert again.stdout == "v1.0.0\n"
    finally:
        gto("daemon", "stop", "-r", str(repo.path))


def test_writes_through_the_daemon_use_the_clients_identity(served: Repo) -> None:
    result = gto(
        "assign", "rf", "dev", "--version", "v1.0.0", "-r", str(served.path),
        GTO_DAEMON="required", GIT_COMMITTER_NAME="Zed", GIT_COMMITTER_EMAIL="zed@example.com",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    tagger = served.git("for-each-ref", "--format=%(taggername) %(taggeremail)", "refs/tags/rf#dev#2")
    assert tagger == "Zed <zed@example.com>"

"""Fixtures for CLI tests: an in-process runner, the installed executable, and shared repositories.

Most cases run the command line in-process through ``gto.cli.run`` with string streams (fast,
and the same code path the daemon will use); each command also has at least one case that runs
the installed ``gto`` executable as a subprocess.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Repo

from gto.cli import run

GTO = Path(sys.executable).parent / "gto"
# Tags that gto itself writes in tests start at this tagger time, so outputs are stable.
WRITE_EPOCH = 1767225600  # 2026-01-01 00:00:00 UTC


@dataclass(frozen=True)
class Result:
    """What one command line printed and returned."""

    code: int
    out: str
    err: str


Cli = Callable[..., Result]


def run_in_process(*args: str, environ: Mapping[str, str] | None = None) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(args), stdout=out, stderr=err, environ=environ)
    return Result(code, out.getvalue(), err.getvalue())


def run_executable(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Result:
    completed = subprocess.run(
        [str(GTO), *args],
        cwd=cwd,
        env=dict(os.environ if env is None else env),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


class Clock:
    """The tagger clock of one test: every command line runs one minute after the previous one.

    Registry state orders events by tagger time, so writes in one test must not share a second.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self.now = WRITE_EPOCH - 60

    def tick(self) -> None:
        self.now += 60
        self._monkeypatch.setenv("GIT_COMMITTER_DATE", f"{self.now} +0000")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


class DaemonPool:
    """Real daemons for the repositories that CLI tests run in, when the suite runs in daemon mode.

    A daemon starts (``gto.server.daemon.start``: a real process on a real socket) the first
    time a command targets its repository; daemons of a test's own repositories stop when the
    test ends, those of module-wide shared repositories when the session ends.
    """

    def __init__(self) -> None:
        self.started: dict[str, bool] = {}  # git dir -> shared
        self.shared: set[str] = set()

    def ensure(self, directory: str) -> bool:
        """Whether a daemon serves ``directory`` (started now if needed); False outside git."""
        from gto.entry import find_git_dir
        from gto.errors import DaemonRunningError, GTOError
        from gto.server import daemon

        git_dir = find_git_dir(directory)
        if git_dir is None:
            return False
        if git_dir not in self.started:
            try:
                daemon.start(directory, daemon.DaemonOptions(idle_timeout=600), dict(os.environ))
            except DaemonRunningError:
                pass
            except GTOError:
                return False
            self.started[git_dir] = git_dir in self.shared
        return True

    def share(self, directory: str) -> None:
        """Keep the daemon of a repository shared by a whole module until the session ends."""
        from gto.entry import find_git_dir

        git_dir = find_git_dir(directory)
        if git_dir is not None:
            self.shared.add(git_dir)

    def stop(self, shared: bool) -> None:
        from gto.errors import GTOError
        from gto.server import daemon

        for git_dir, is_shared in list(self.started.items()):
            if is_shared and not shared:
                continue
            with contextlib.suppress(GTOError, OSError):
                daemon.stop(os.path.dirname(git_dir), dict(os.environ))
            del self.started[git_dir]


@pytest.fixture(scope="session")
def daemons() -> Iterator[DaemonPool]:
    pool = DaemonPool()
    yield pool
    pool.stop(shared=True)


@pytest.fixture(params=["local", "daemon"])
def mode(request: pytest.FixtureRequest, daemons: DaemonPool) -> Iterator[str]:
    """Every CLI test runs twice: computing locally, and answered by a running daemon."""
    yield request.param
    daemons.stop(shared=False)


def _target(args: tuple[str, ...], cwd: Path | None) -> str:
    from gto.entry import repo_argument

    base = os.fspath(cwd) if cwd is not None else os.getcwd()
    return os.path.join(base, repo_argument(args))


def _daemon_env(
    daemons: DaemonPool, args: tuple[str, ...], cwd: Path | None, environ: Mapping[str, str] | None
) -> dict[str, str]:
    # GTO_DAEMON=required proves the daemon answered wherever one can serve the repository.
    env = {**os.environ, **(environ or {})}
    env["GTO_DAEMON"] = "required" if daemons.ensure(_target(args, cwd)) else "auto"
    return env


@pytest.fixture
def cli(clock: Clock, mode: str, daemons: DaemonPool) -> Cli:
    """Run ``gto`` in-process; the first command of a test writes tags at ``WRITE_EPOCH``.

    In daemon mode the command goes through the thin client (``gto.entry``) to the daemon.
    """
    from gto import entry

    def call(*args: str, environ: Mapping[str, str] | None = None) -> Result:
        clock.tick()
        if mode == "local":
            return run_in_process(*args, environ=environ)
        out, err = io.StringIO(), io.StringIO()
        code = entry.run(list(args), stdout=out, stderr=err, environ=_daemon_env(daemons, args, None, environ))
        return Result(code, out.getvalue(), err.getvalue())

    return call


@pytest.fixture
def gto_exe(clock: Clock, mode: str, daemons: DaemonPool) -> Cli:
    """Run the installed ``gto`` executable as a subprocess, on the same clock as ``cli``."""
    assert GTO.exists(), f"the gto console script is not installed at {GTO}"

    def call(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Result:
        clock.tick()
        if mode == "local":
            local = {**(os.environ if env is None else env), "GTO_DAEMON": "off"}
            return run_executable(*args, cwd=cwd, env=local)
        return run_executable(*args, cwd=cwd, env=_daemon_env(daemons, args, cwd, env))

    return call


def isolate(mp: pytest.MonkeyPatch, home: Path) -> None:
    # The same isolation as the autouse fixture, for repositories shared by a whole module.
    for name in list(os.environ):
        if name.startswith(("GTO_", "GIT_")):
            mp.delenv(name)
    mp.setenv("HOME", str(home))
    mp.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in (("NAME", "Alice"), ("EMAIL", "alice@example.com")):
        mp.setenv(f"GIT_AUTHOR_{key}", value)
        mp.setenv(f"GIT_COMMITTER_{key}", value)
    mp.setenv("TZ", "UTC")


ANNOTATIONS = """\
rf:
  type: model
  path: models/rf.pkl
  labels: [ml, tabular]
  description: Random forest
nn:
  type: model
  path: models/nn.pt
  virtual: false
ds:
  type: dataset
  path: s3://bucket/ds
"""


@dataclass(frozen=True)
class Registry:
    """A read-only repository shared by a test module, with the commits named by the tests."""

    repo: Repo
    c1: str
    c2: str
    c3: str

    @property
    def path(self) -> str:
        return str(self.repo.path)


def build_registry(path: Path) -> Registry:
    """Tags over three commits, with fixed dates (T0 = 2023-11-14 22:13:20 UTC):

    * rf: v1.0.0 at c1, v1.1.0 at c2; prod → v1.0.0, dev and staging → v1.1.0,
      later dev → v1.0.0 (a rollback), and v0.9.0 registered then deregistered at c3;
    * nn: no version, dev assigned to commit c3 (an unregistered hexsha version);
    * seg: v0.1.0-rc.1 at c3, then deprecated;
    * ds: only in artifacts.yaml.
    """
    path.mkdir()
    repo = Repo(path)
    repo.git("init", "-q", "-b", "main")
    t0 = 1_700_000_000
    c1 = repo.commit({"README.md": "demo\n"}, message="init")
    c2 = repo.commit({"models/rf.pkl": "rf\n"}, message="train rf")
    c3 = repo.commit({"artifacts.yaml": ANNOTATIONS, "models/nn.pt": "nn\n"}, message="annotate")
    for offset, tag, ref in [
        (100, "rf@v1.0.0", c1),
        (200, "rf@v1.1.0", c2),
        (300, "rf#prod#1", c1),
        (400, "rf#dev#2", c2),
        (500, "rf#staging#3", c2),
        (600, "rf#dev#4", c1),
        (700, "rf@v0.9.0", c3),
        (800, "rf@v0.9.0!", c3),
        (900, "nn#dev#1", c3),
        (1000, "seg@v0.1.0-rc.1", c3),
        (1100, "seg@deprecated", c3),
    ]:
        repo.tag(tag, ref, message=f"message of {tag}", date=t0 + offset)
    return Registry(repo, c1, c2, c3)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, daemons: DaemonPool) -> Iterator[Registry]:
    """The shared read-only registry of ``build_registry``; tests must not write to it."""
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("home"))
        built = build_registry(tmp_path_factory.mktemp("shared") / "repo")
    daemons.share(built.path)
    yield built

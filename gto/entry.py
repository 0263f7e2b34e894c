"""The ``gto`` console script: answer through the repository's daemon when one runs, else here.

When a daemon serves the repository a command names (``-r/--repo``, else the working
directory), the whole command line goes to it with the working directory and environment,
and what it printed comes back byte for byte (``gto/run``). Otherwise the command runs in
this process (``gto.cli``). ``GTO_DAEMON=auto|off|required`` and ``--daemon``/``--no-daemon``
choose: ``auto`` uses a daemon that answers and falls back silently; ``required`` fails when
none answers; ``off`` never asks. ``GTO_DAEMON_AUTOSTART=1`` (or ``daemon: {autostart: true}``
in ``.gto``) starts a daemon on first use.

This module is the fast path: answering through a daemon must cost little more than starting
Python, so it imports the standard library and gto's small standard-library-only modules
(``gto.server.location``, ``gto.server.client``) and nothing else until it knows the command
runs here: no typer, pydantic, GitPython, pygls or watchfiles.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from pathlib import Path

MODE_VARIABLE = "GTO_DAEMON"
AUTOSTART_VARIABLE = "GTO_DAEMON_AUTOSTART"
TIMEOUT_VARIABLE = "GTO_DAEMON_TIMEOUT"
MODES = ("auto", "off", "required")

# How long a read may wait for a daemon before it runs here instead. A write never falls back
# once sent (it may have happened), so it waits longer and then says so.
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 120.0
CONNECT_TIMEOUT = 0.5

# Commands that manage daemons, and requests for help or the version, always run here.
_LOCAL_COMMANDS = frozenset({"daemon", "server"})
_LOCAL_FLAGS = frozenset({"-h", "--help", "--version"})
WRITE_COMMANDS = frozenset(
    {"register", "assign", "promote", "unassign", "deregister", "deprecate", "annotate", "remove"}
)
_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "off", "n", "f"})


class _Refused(Exception):
    """The command cannot run as asked; the message is the one line the user sees."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def main() -> None:
    """Console entry point."""
    code = run(sys.argv[1:])
    # The process ends here. Without this, the collector scans every object left (a whole
    # registry, pydantic's schemas) several times while the interpreter shuts down: about
    # 30 ms of a cold `gto show` at 10,000 tags.
    gc.freeze()
    sys.exit(code)


def run(
    args: Sequence[str],
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> int:
    """Run one command line through a daemon or here; return its exit code."""
    environ = os.environ if environ is None else environ
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    try:
        mode, argv = daemon_mode(args, environ)
        if mode != "off" and forwardable(argv):
            answer = _through_daemon(argv, cwd or os.getcwd(), environ, mode)
            if answer is not None:
                printed, errors, code = answer
                out.write(printed)
                err.write(errors)
                return code
    except _Refused as refusal:
        err.write(_error_line(str(refusal), environ) + "\n")
        return refusal.code
    from gto.cli import run as run_here

    return run_here(argv, stdout=stdout, stderr=stderr, environ=environ, cwd=cwd)


def daemon_mode(args: Sequence[str], environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """The mode (``--daemon``/``--no-daemon`` win over ``GTO_DAEMON``) and the arguments without those flags."""
    raw = environ.get(MODE_VARIABLE, "").strip().lower() or "auto"
    if raw not in MODES:
        raise _Refused(f"Invalid {MODE_VARIABLE} '{raw}': use auto, off or required", code=2)
    mode = raw
    argv: list[str] = []
    words = list(args)
    for index, word in enumerate(words):
        if word == "--":
            argv.extend(words[index:])
            break
        if word == "--daemon":
            mode = "required"
        elif word == "--no-daemon":
            mode = "off"
        else:
            argv.append(word)
    return mode, argv


def forwardable(argv: Sequence[str]) -> bool:
    """Whether a daemon may answer this command line (not help, version or daemon management)."""
    command = command_name(argv)
    if command is None or command in _LOCAL_COMMANDS:
        return False
    return not any(word in _LOCAL_FLAGS for word in _options(argv))


def _options(argv: Sequence[str]) -> list[str]:
    words = list(argv)
    return words[: words.index("--")] if "--" in words else words


def command_name(argv: Sequence[str]) -> str | None:
    """The subcommand of a command line: its first word that is not an option."""
    for word in _options(argv):
        if not word.startswith("-"):
            return word
    return None


def repo_argument(argv: Sequence[str]) -> str:
    """The value of ``-r/--repo`` (as click reads it), else the working directory ``.``."""
    words = _options(argv)
    found = "."
    for index, word in enumerate(words):
        if word in ("-r", "--repo") and index + 1 < len(words):
            found = words[index + 1]
        elif word.startswith("--repo="):
            found = word[len("--repo=") :]
        elif word.startswith("-r") and not word.startswith("--") and len(word) > 2:
            found = word[2:]
    return found


def find_git_dir(start: str) -> str | None:
    """The git directory of the work tree containing ``start`` (following ``.git`` files), or None.

    It looks at the file system only, as git does, so that finding a daemon costs no process.
    """
    path = os.path.realpath(start)
    if not os.path.isdir(path):
        return None
    while True:
        dotgit = os.path.join(path, ".git")
        if os.path.isdir(dotgit):
            return dotgit
        if os.path.isfile(dotgit):
            try:
                with open(dotgit, encoding="utf-8") as handle:
                    line = handle.readline().strip()
            except OSError:
                return None
            if not line.startswith("gitdir:"):
                return None
            return os.path.realpath(os.path.join(path, line[len("gitdir:") :].strip()))
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def _through_daemon(argv: list[str], cwd: str, environ: Mapping[str, str], mode: str) -> tuple[str, str, int] | None:
    """Ask the repository's daemon to run the command; None when it should run here."""
    from pathlib import Path

    from gto.server.location import daemon_files

    git_dir = find_git_dir(os.path.join(cwd, repo_argument(argv)))
    if git_dir is None:
        return None  # not a repository: the local run says so, in its own words
    socket_path = daemon_files(Path(git_dir), environ).socket
    answer = _ask(socket_path, argv, cwd, environ)
    if answer is None and _autostart(git_dir, environ):
        _start_daemon(git_dir, environ)
        answer = _ask(socket_path, argv, cwd, environ)
    if answer is None and mode == "required":
        work_tree = os.path.dirname(git_dir) if os.path.basename(git_dir) == ".git" else git_dir
        raise _Refused(f"No gto daemon answers for '{work_tree}': start one with 'gto daemon start'")
    return answer


def _ask(socket_path: Path, argv: list[str], cwd: str, environ: Mapping[str, str]) -> tuple[str, str, int] | None:
    from gto.server.client import Client, ConnectionClosed, RemoteError

    if not os.path.exists(socket_path):
        return None
    try:
        client = Client.connect(socket_path, timeout=CONNECT_TIMEOUT)
    except OSError:
        return None  # a stale socket of a daemon that died
    writes = command_name(argv) in WRITE_COMMANDS
    timeout = WRITE_TIMEOUT if writes else _read_timeout(environ)
    params = {"argv": argv, "cwd": cwd, "env": dict(environ)}
    with client:
        try:
            result = client.request("gto/run", params, timeout=timeout)
        except RemoteError:
            return None  # the daemon refused before running anything: run it here
        except (ConnectionClosed, TimeoutError, OSError):
            if writes:
                raise _Refused(
                    "The gto daemon stopped answering during a write; it may or may not have happened:"
                    " check with 'gto history'"
                ) from None
            return None
    if not isinstance(result, dict):
        return None
    return str(result.get("stdout", "")), str(result.get("stderr", "")), int(result.get("exit_code", 1))


def _read_timeout(environ: Mapping[str, str]) -> float:
    raw = environ.get(TIMEOUT_VARIABLE, "").strip()
    try:
        value = float(raw) if raw else READ_TIMEOUT
    except ValueError:
        raise _Refused(f"Invalid {TIMEOUT_VARIABLE} '{raw}': give seconds", code=2) from None
    return value if value > 0 else READ_TIMEOUT


def _autostart(git_dir: str, environ: Mapping[str, str]) -> bool:
    """``GTO_DAEMON_AUTOSTART``, else ``daemon: {autostart: ...}`` in ``.gto`` (read only now)."""
    raw = environ.get(AUTOSTART_VARIABLE, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    work_tree = os.path.dirname(git_dir)
    config_file = os.path.join(work_tree, ".gto")
    if not os.path.isfile(config_file):
        return False
    from gto.config import load_config
    from gto.errors import GTOError

    try:
        with open(config_file, encoding="utf-8") as handle:
            return load_config(handle.read(), environ).daemon_autostart
    except (OSError, GTOError):
        return False  # the local run reports a broken .gto properly


def _start_daemon(git_dir: str, environ: Mapping[str, str]) -> None:
    from gto.errors import DaemonRunningError, GTOError
    from gto.server import daemon

    work_tree = os.path.dirname(git_dir)
    try:
        options = daemon.DaemonOptions(idle_timeout=daemon.idle_timeout_from(environ))
        daemon.start(work_tree, options, environ)
    except DaemonRunningError:
        pass  # another command started it meanwhile
    except GTOError:
        pass  # the command still runs here; `gto daemon start` shows why a daemon cannot start


def _error_line(message: str, environ: Mapping[str, str]) -> str:
    emojis = environ.get("GTO_EMOJIS", "true").strip().lower() not in _FALSE
    return f"❌ {message}" if emojis else message

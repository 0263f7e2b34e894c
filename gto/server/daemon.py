"""The daemon's life: running one per work tree on a unix socket, and starting, stopping, asking.

Running (``run``, in the daemon process): take the pid file's lock (held for the whole life, so
a crashed daemon, even killed with ``kill -9``, leaves nothing that looks alive), replace a
stale socket, load the registry, listen on the socket (0600 in a 0700 directory), follow the
repository, and serve every connection with its own server. It ends on SIGTERM, SIGINT or
SIGHUP, or after ``idle_timeout`` seconds without any connection, removing its socket and pid
file. It logs to ``daemon.log`` beside the pid file, never to a client's stream.

Managing (``start``, ``stop``, ``status``, from the command line): ``start`` spawns a detached
``python -m gto.server daemon`` and returns once the child reports, through a pipe, that its
socket listens (or why it could not); ``stop`` sends SIGTERM and waits for the lock to be
released; ``status`` asks the daemon over its socket. No polling and no sleeping: every wait is
on a pipe, a lock or a socket, with a timeout.

This module starts a process (the daemon itself, never git), which is why it alone besides
``gto.git`` imports ``subprocess``. It holds no registry logic.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gto import git
from gto.errors import DaemonError, DaemonNotRunningError, DaemonRunningError, GTOError
from gto.server.location import DaemonFiles, daemon_files, prepare_directory

if TYPE_CHECKING:
    # The commands that only start, stop or ask a daemon do not load the server itself.
    from gto.server.live import LiveRegistry

logger = logging.getLogger("gto.server")

IDLE_TIMEOUT_VARIABLE = "GTO_DAEMON_IDLE_TIMEOUT"
DEFAULT_IDLE_TIMEOUT = 3600.0
DEFAULT_CHECK_INTERVAL = 2.0
# How long ``start`` waits for the daemon to listen: loading 100,000 tags takes a few seconds.
START_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0
_READY = "ready"


@dataclass(frozen=True, slots=True)
class DaemonOptions:
    """How a daemon (or a stdio server) runs.

    ``idle_timeout``: seconds without any connection before the daemon exits (0: never).
    ``check_interval``: seconds between fingerprint checks (0: never). ``watch``: follow file
    events (the checks alone still notice every change, later).
    """

    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    check_interval: float = DEFAULT_CHECK_INTERVAL
    watch: bool = True

    def arguments(self) -> list[str]:
        """The same options as command-line arguments of ``python -m gto.server daemon``."""
        args = ["--idle-timeout", repr(self.idle_timeout), "--check-interval", repr(self.check_interval)]
        return args if self.watch else [*args, "--no-watch"]


def idle_timeout_from(environ: Mapping[str, str]) -> float:
    """``GTO_DAEMON_IDLE_TIMEOUT`` in seconds, or the default; ``DaemonError`` when it is no number."""
    raw = environ.get(IDLE_TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_IDLE_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise DaemonError(f"Invalid {IDLE_TIMEOUT_VARIABLE} '{raw}': give seconds, 0 for never")
    return value


# ---------------------------------------------------------------------------------------------
# Asking about a daemon (any process)


def files_of(repo: str | Path, environ: Mapping[str, str]) -> tuple[git.RepoPaths, DaemonFiles]:
    paths = git.find_repo(repo)
    return paths, daemon_files(paths.git_dir, environ)


def running_pid(files: DaemonFiles) -> int | None:
    """The pid of the daemon holding the pid file's lock, or None when none does (stale or absent)."""
    try:
        fd = os.open(files.pid, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(fd) or -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode("ascii").strip() or 0) or None
    except (OSError, ValueError):
        return None


def wait_until_stopped(files: DaemonFiles, timeout: float) -> bool:
    """Wait until no process holds the pid file's lock (the daemon has exited), at most ``timeout``."""
    try:
        fd = os.open(files.pid, os.O_RDONLY)
    except OSError:
        return True
    released = threading.Event()

    def take() -> None:
        # A blocking lock call returns as soon as the daemon's process is gone.
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_SH)
        released.set()

    threading.Thread(target=take, daemon=True).start()
    if released.wait(timeout):
        os.close(fd)
        return True
    return False


def status(repo: str | Path, environ: Mapping[str, str], timeout: float = 5.0) -> dict[str, Any]:
    """The running daemon's ``gto/status`` answer; ``DaemonNotRunningError`` when none runs."""
    from gto.server.client import Client

    _, files = files_of(repo, environ)
    pid = running_pid(files)
    if pid is None:
        raise DaemonNotRunningError("No gto daemon runs for this repository")
    try:
        with Client.connect(files.socket, timeout) as client:
            answer: dict[str, Any] = client.request("gto/status", timeout=timeout)
            return answer
    except (OSError, TimeoutError) as error:
        raise DaemonError(f"The gto daemon (pid {pid}) does not answer on {files.socket}: {error}") from None


def stop(repo: str | Path, environ: Mapping[str, str], timeout: float = STOP_TIMEOUT) -> int:
    """Stop the running daemon with SIGTERM and wait until it has exited; returns its pid."""
    _, files = files_of(repo, environ)
    pid = running_pid(files)
    if pid is None:
        raise DaemonNotRunningError("No gto daemon runs for this repository")
    if pid < 0:
        raise DaemonError("The gto daemon of this repository is starting (no pid yet): try again")
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    if not wait_until_stopped(files, timeout):
        raise DaemonError(f"The gto daemon (pid {pid}) did not stop within {timeout:g} seconds")
    return pid


@dataclass(frozen=True, slots=True)
class Started:
    """A daemon that ``start`` saw listening."""

    pid: int
    socket: Path
    log: Path


def start(repo: str | Path, options: DaemonOptions, environ: Mapping[str, str]) -> Started:
    """Spawn a detached daemon for the work tree of ``repo`` and wait until it listens.

    Raises ``DaemonRunningError`` when one runs already (also when another ``start`` won a
    race), ``DaemonError`` when the daemon could not start (the message says why, or where
    the log is).
    """
    paths, files = files_of(repo, environ)
    pid = running_pid(files)
    if pid is not None:
        raise DaemonRunningError(_running_message(pid, files))
    prepare_directory(files.directory)
    read_end, write_end = os.pipe()
    try:
        with open(files.log, "ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gto.server",
                    "daemon",
                    "--repo",
                    os.fspath(paths.work_tree),
                    *options.arguments(),
                    "--ready-fd",
                    str(write_end),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=(write_end,),
                start_new_session=True,
                cwd="/",
                env=dict(environ),
            )
        os.close(write_end)
        write_end = -1
        report = read_report(read_end, START_TIMEOUT)
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    # The daemon outlives this process: it is not ours to wait for.
    process.returncode = 0
    if report == _READY:
        return Started(process.pid, files.socket, files.log)
    if report is None:
        raise DaemonError(f"The gto daemon did not start within {START_TIMEOUT:g} seconds: see {files.log}")
    kind, _, message = report.partition(" ")
    if kind == DaemonRunningError.kind:
        raise DaemonRunningError(message)
    raise DaemonError(message or f"The gto daemon exited while starting: see {files.log}")


def read_report(fd: int, timeout: float) -> str | None:
    """The one line a starting daemon writes to its ready pipe; "" when it exited without one, None on timeout."""
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return None
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace").strip()


def _running_message(pid: int, files: DaemonFiles) -> str:
    shown = f"pid {pid}, " if pid > 0 else ""
    return f"A gto daemon already runs for this repository ({shown}socket {files.socket})"


# ---------------------------------------------------------------------------------------------
# Running the daemon (in its own process)


def run(repo: str | Path, options: DaemonOptions, environ: Mapping[str, str], ready_fd: int | None = None) -> int:
    """Be the daemon of ``repo`` until stopped; returns the exit code.

    With ``ready_fd``, one line reports the outcome of starting: ``ready``, or the error's
    kind and message; the descriptor is closed afterwards.
    """
    lock_fd: int | None = None
    files: DaemonFiles | None = None
    try:
        paths, files = files_of(repo, environ)
        prepare_directory(files.directory)
        if files.socket.parent != files.directory:
            prepare_directory(files.socket.parent)
        lock_fd = _lock(files)
        _log_to(files.log)
        logger.info("Starting for %s (pid %d)", paths.work_tree, os.getpid())
        from gto.server.live import LiveRegistry

        live = LiveRegistry(paths, environ, snapshot_path=files.snapshot)
        started = time.monotonic()
        live.load()
        origin = "from the last daemon's snapshot and the tags moved since" if live.from_snapshot else "from git"
        logger.info("Loaded %d tags in %.3f s, %s", live.tag_count, time.monotonic() - started, origin)
        daemon = _Daemon(live, files, options)
        code = asyncio.run(daemon.serve(lambda: _report(ready_fd, _READY)))
        # Serving is over and no refresh runs: leave the registry for the next daemon.
        live.save_snapshot()
        return code
    except GTOError as error:
        _report(ready_fd, f"{error.kind} {error}")
        if lock_fd is not None:
            logger.error("Cannot start: %s", error)
        else:
            print(f"gto daemon: {error}", file=sys.stderr)
        return 1
    except BaseException as error:
        logger.exception("The daemon failed")
        _report(ready_fd, f"{DaemonError.kind} The gto daemon failed: {type(error).__name__}: {error}")
        return 1
    finally:
        if files is not None and lock_fd is not None:
            with contextlib.suppress(FileNotFoundError):
                files.socket.unlink()
            with contextlib.suppress(FileNotFoundError):
                files.pid.unlink()
            os.close(lock_fd)
            logger.info("Stopped")


def _lock(files: DaemonFiles) -> int:
    """Take the pid file's lock for the life of this process and write our pid into it."""
    fd = os.open(files.pid, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = _read_pid(fd)
        os.close(fd)
        raise DaemonRunningError(_running_message(pid or -1, files)) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


def _report(fd: int | None, line: str) -> None:
    if fd is None:
        return
    with contextlib.suppress(OSError):
        os.write(fd, line.replace("\n", " ").encode("utf-8") + b"\n")
    with contextlib.suppress(OSError):
        os.close(fd)


def _log_to(path: Path) -> None:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    configure_logging(handler)


def configure_logging(handler: logging.Handler) -> None:
    """Send gto's log (INFO and up) and the libraries' warnings to ``handler``."""
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("gto").setLevel(logging.INFO)
    # pygls logs every message sent at INFO, and every error answer with a traceback: our own
    # handlers log what matters.
    logging.getLogger("pygls").setLevel(logging.CRITICAL)


class _Daemon:
    """The serving part of a running daemon: the socket, its connections, signals and idleness."""

    def __init__(self, live: LiveRegistry, files: DaemonFiles, options: DaemonOptions) -> None:
        self.live = live
        self.files = files
        self.options = options
        self.connections: set[asyncio.Task[Any]] = set()
        self.stopping = asyncio.Event()
        self.activity = asyncio.Event()

    async def serve(self, on_ready: Callable[[], None]) -> int:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(number, self._stop, signal.Signals(number).name)
        with contextlib.suppress(FileNotFoundError):
            self.files.socket.unlink()  # stale: we hold the lock, so no daemon owns it
        # The socket is created 0600 (umask), never briefly readable by others.
        previous = os.umask(0o177)
        try:
            server = await asyncio.start_unix_server(self._connection, path=os.fspath(self.files.socket))
        finally:
            os.umask(previous)
        os.chmod(self.files.socket, 0o600)
        logger.info("Listening on %s", self.files.socket)
        on_ready()
        following = asyncio.create_task(
            self.live.follow(self.stopping, watch_files=self.options.watch, check_interval=self.options.check_interval)
        )
        idle = asyncio.create_task(self._idle()) if self.options.idle_timeout > 0 else None
        await self.stopping.wait()
        server.close()
        with contextlib.suppress(FileNotFoundError):
            self.files.socket.unlink()
        waiting = [*self.connections, *([idle] if idle else [])]
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, following, return_exceptions=True)
        return 0

    def _stop(self, reason: str) -> None:
        if not self.stopping.is_set():
            logger.info("Stopping: %s", reason)
            self.stopping.set()

    def clients(self) -> int:
        return len(self.connections)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        from gto.server import connection
        from gto.server.server import Host

        task = asyncio.current_task()
        assert task is not None
        self.connections.add(task)
        self.activity.set()
        logger.debug("Client connected (%d now)", len(self.connections))
        try:
            host = Host(transport="socket", socket=os.fspath(self.files.socket), clients=self.clients)
            await connection.run(self.live, host, reader, connection.StreamOutput(writer))
        except asyncio.CancelledError:
            pass
        except Exception:
            logger.exception("A connection failed")
        finally:
            self.connections.discard(task)
            self.activity.set()
            logger.debug("Client left (%d now)", len(self.connections))

    async def _idle(self) -> None:
        """Stop after ``idle_timeout`` seconds in a row without any connection."""
        timeout = self.options.idle_timeout
        while not self.stopping.is_set():
            self.activity.clear()
            if self.connections:
                await self.activity.wait()
                continue
            try:
                await asyncio.wait_for(self.activity.wait(), timeout)
            except TimeoutError:
                if not self.connections:
                    self._stop(f"idle for {timeout:g} seconds")
                    return

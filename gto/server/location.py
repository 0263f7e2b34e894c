"""Where a work tree's daemon lives: its private directory, socket, pid file, log and snapshot.

There is one daemon per work tree (the registry depends on its HEAD and its ``.gto``), so the
files go under that work tree's own git directory: ``<git dir>/gto/daemon.sock``, ``daemon.pid``,
``daemon.log`` and ``registry.snapshot`` (``gto.server.snapshot``), in a directory of mode 0700.
A unix socket path is limited to about 107 bytes; a longer one moves to
``$XDG_RUNTIME_DIR/gto/`` or ``/tmp/gto-<uid>/`` under a name derived from the git directory,
so every client computes the same place.

Standard library only, because the thin command-line client imports it. It computes paths and
prepares directories; it starts nothing and talks to no daemon.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gto.errors import DaemonError

STATE_DIRECTORY = "gto"
SOCKET_NAME = "daemon.sock"
PID_NAME = "daemon.pid"
LOG_NAME = "daemon.log"
SNAPSHOT_NAME = "registry.snapshot"

# sockaddr_un.sun_path holds 108 bytes on Linux and 104 on the BSDs and macOS, with a final NUL.
SOCKET_PATH_LIMIT = 107 if sys.platform.startswith("linux") else 103


@dataclass(frozen=True, slots=True)
class DaemonFiles:
    """The files of one work tree's daemon. ``socket`` may live outside ``directory``."""

    directory: Path
    socket: Path
    pid: Path
    log: Path
    snapshot: Path


def daemon_files(git_dir: Path, environ: Mapping[str, str]) -> DaemonFiles:
    """The daemon files of the work tree whose own git directory is ``git_dir`` (an absolute path)."""
    directory = git_dir / STATE_DIRECTORY
    socket = directory / SOCKET_NAME
    if len(os.fsencode(socket)) > SOCKET_PATH_LIMIT:
        socket = _fallback_socket(git_dir, environ)
    return DaemonFiles(
        directory=directory,
        socket=socket,
        pid=directory / PID_NAME,
        log=directory / LOG_NAME,
        snapshot=directory / SNAPSHOT_NAME,
    )


def _fallback_socket(git_dir: Path, environ: Mapping[str, str]) -> Path:
    name = hashlib.sha256(os.fsencode(git_dir)).hexdigest()[:24] + ".sock"
    bases = []
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime):
        bases.append(Path(runtime) / STATE_DIRECTORY)
    # Not tempfile.gettempdir(): TMPDIR is often long (macOS), which is what we are avoiding.
    bases.append(Path("/tmp") / f"gto-{os.getuid()}")
    for base in bases:
        path = base / name
        if len(os.fsencode(path)) <= SOCKET_PATH_LIMIT:
            return path
    raise DaemonError(f"No socket path short enough for the daemon of '{git_dir}': set XDG_RUNTIME_DIR to a short path")


def prepare_directory(path: Path) -> None:
    """Create ``path`` with mode 0700, or make sure an existing one is a private directory of ours.

    Raises ``DaemonError`` when it is a symbolic link, not a directory, or owned by someone else:
    another user must never be able to put a socket where our clients would connect.
    """
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as error:
        raise DaemonError(f"Cannot create the daemon directory '{path}': {error.strerror or error}") from None
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise DaemonError(f"The daemon directory '{path}' is not a directory")
    if info.st_uid != os.getuid():
        raise DaemonError(f"The daemon directory '{path}' belongs to another user")
    if stat.S_IMODE(info.st_mode) != 0o700:
        path.chmod(0o700)

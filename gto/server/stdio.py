"""``gto server --stdio``: the same server for one editor that spawns it, over stdin and stdout.

The process serves exactly one connection: it loads the registry, follows the repository like
the daemon does, and ends when the editor sends ``exit`` (exit code 0 after ``shutdown``, 1
without, as LSP asks) or closes stdin. stdout carries the protocol only: anything printed by
mistake goes to stderr, where the log goes too.

It must not listen on any socket or outlive its editor.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from gto import git
from gto.errors import GTOError
from gto.server.daemon import DaemonOptions, configure_logging

if TYPE_CHECKING:
    from gto.server.live import LiveRegistry

logger = logging.getLogger("gto.server")


def run(repo: str | Path, options: DaemonOptions, environ: Mapping[str, str]) -> int:
    """Serve the editor on this process's stdin and stdout; returns the exit code."""
    from gto.server.live import LiveRegistry

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # From here on a stray print cannot corrupt the protocol stream.
    sys.stdout = sys.stderr
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    configure_logging(handler)
    try:
        live = LiveRegistry(git.find_repo(repo), environ)
        live.load()
    except GTOError as error:
        print(f"gto server: {error}", file=sys.stderr)
        return 1
    return asyncio.run(_serve(live, options, stdin, stdout))


async def _serve(live: LiveRegistry, options: DaemonOptions, stdin: BinaryIO, stdout: BinaryIO) -> int:
    from gto.server import connection
    from gto.server.server import Host

    stopping = asyncio.Event()
    following = asyncio.create_task(
        live.follow(stopping, watch_files=options.watch, check_interval=options.check_interval)
    )
    try:
        reader = _reader(stdin.fileno())
        server = await connection.run(live, Host(transport="stdio"), reader, connection.PipeOutput(stdout.fileno()))
    finally:
        stopping.set()
        await following
    # LSP: an exit that follows a shutdown request is a success, an exit without one is not.
    return 1 if server.exited and not server.protocol.shutdown_requested else 0


def _reader(fd: int) -> asyncio.StreamReader:
    """An asyncio stream fed from ``fd`` by a thread: works for pipes, files, terminals, /dev/null.

    The thread is a daemon thread, so an editor that never closes stdin cannot keep the process
    alive after ``exit``.
    """
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()

    def pump() -> None:
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                loop.call_soon_threadsafe(reader.feed_eof)
                return
            loop.call_soon_threadsafe(reader.feed_data, chunk)

    threading.Thread(target=pump, name="gto-stdin", daemon=True).start()
    return reader

"""``python -m gto.server daemon|stdio``: the processes that ``gto daemon start`` and editors spawn.

A plain argument parser instead of the typer app, so that a daemon starts without loading the
command line. ``daemon`` runs in the foreground (``gto daemon start`` detaches it; ``--ready-fd``
is the pipe it reports readiness on). It holds no logic of its own.
"""

from __future__ import annotations

import argparse
import os
import sys

from gto.errors import GTOError
from gto.server.daemon import DEFAULT_CHECK_INTERVAL, DaemonOptions, idle_timeout_from


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gto.server")
    parser.add_argument("mode", choices=["daemon", "stdio"])
    parser.add_argument("--repo", default=".")
    parser.add_argument("--idle-timeout", type=float, default=None)
    parser.add_argument("--check-interval", type=float, default=DEFAULT_CHECK_INTERVAL)
    parser.add_argument("--no-watch", action="store_true")
    parser.add_argument("--ready-fd", type=int, default=None)
    args = parser.parse_args(argv)
    environ = dict(os.environ)
    if args.mode == "stdio":
        from gto.server import stdio

        options = DaemonOptions(idle_timeout=0, check_interval=args.check_interval, watch=not args.no_watch)
        return stdio.run(args.repo, options, environ)
    from gto.server import daemon

    try:
        idle = args.idle_timeout if args.idle_timeout is not None else idle_timeout_from(environ)
    except GTOError as error:
        print(f"gto daemon: {error}", file=sys.stderr)
        return 2
    options = DaemonOptions(idle_timeout=idle, check_interval=args.check_interval, watch=not args.no_watch)
    return daemon.run(args.repo, options, environ, ready_fd=args.ready_fd)


if __name__ == "__main__":
    sys.exit(main())

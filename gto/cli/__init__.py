"""The ``gto`` command line: a thin layer of typer commands over ``gto.api``.

``main`` is the console script; ``run`` executes one command line on given streams and returns
its exit code (what a daemon answering for the CLI calls in-process). Importing this package
must stay cheap: it loads typer, not GitPython, pygls or the registry core.
"""

from __future__ import annotations

import sys

from gto.cli.session import run


def main() -> None:
    """Console entry point: run ``sys.argv`` and exit with the command's code."""
    sys.exit(run(sys.argv[1:]))


__all__ = ["main", "run"]

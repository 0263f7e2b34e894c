"""Placeholder entry point, replaced by the command line."""
from __future__ import annotations


def main() -> None:
    raise SystemExit("gto: the command line is not built yet")

"""Daemon measurements: the two pluggable slots of the runner, and how to tell if a daemon exists.

SLOT 1, ``through_daemon`` — the CLI query commands answered by a running daemon
(SPEC §9: ``GTO_DAEMON=required``), timed like the cold ones. It is written against the
commands the spec names (``gto daemon start|stop``, ``GTO_DAEMON``) and runs only when
``gto daemon --help`` works; its stdout must equal the cold CLI's, or it reports a mismatch.

SLOT 2, ``daemon_internals`` — time to initial state, RSS at each size, in-process query
latency (p50/p99) and change latency (``git tag`` returning → ``registryChanged`` arriving
at a connected client, p50/p95). These need the daemon's wire protocol (``docs/protocol.md``),
which does not exist yet, so the slot reports "not measured" until someone fills it in.
A change-latency measurement writes tags: it must work on a copy of the cached repository
(or delete its tags afterwards), never leave the cache changed.

Nothing here ever invents a number: whatever cannot be measured is reported as
``{"status": "not measured", "reason": ...}``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.timing import Command, CommandFailed, measure

__all__ = ["DaemonContext", "availability", "daemon_internals", "not_measured", "through_daemon"]


@dataclass(frozen=True, slots=True)
class DaemonContext:
    """What a daemon measurement needs: the repository, how to run gto, what to query."""

    repo: Path
    gto: Sequence[str]
    env: Mapping[str, str]
    queries: Mapping[str, Sequence[str]]  # label -> gto arguments, the same as the cold CLI's
    cold_stdout: Mapping[str, bytes]  # label -> what the cold CLI printed
    repeats: int
    warmup: int


def not_measured(reason: str) -> dict[str, Any]:
    return {"status": "not measured", "reason": reason}


def availability(gto: Sequence[str], env: Mapping[str, str]) -> str | None:
    """None when this gto has a daemon command, else why the daemon cannot be measured."""
    try:
        result = subprocess.run([*gto, "daemon", "--help"], env=dict(env), capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"daemon not available ({error})"
    if result.returncode != 0:
        return "daemon not available ('gto daemon --help' fails: the daemon has not landed yet)"
    return None


def _daemon(context: DaemonContext, action: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*context.gto, "daemon", action],
        cwd=context.repo,
        env=dict(context.env),
        capture_output=True,
        timeout=300,
        check=False,
    )


def through_daemon(context: DaemonContext) -> dict[str, Any]:
    """SLOT 1: the query commands through a running daemon (see the module docstring)."""
    reason = availability(context.gto, context.env)
    if reason is not None:
        return not_measured(reason)
    env = {**context.env, "GTO_DAEMON": "required"}
    started = _daemon(context, "start")
    if started.returncode != 0:
        return not_measured(f"'gto daemon start' failed: {started.stderr.decode(errors='replace').strip()}")
    try:
        commands = [
            Command(label, [*context.gto, *args], context.repo, env, 600) for label, args in context.queries.items()
        ]
        mismatched = []
        for command in commands:
            result = subprocess.run(list(command.argv), cwd=command.cwd, env=env, capture_output=True, check=False)
            if result.returncode != 0 or result.stdout != context.cold_stdout.get(command.label):
                mismatched.append(command.label)
        if mismatched:
            return not_measured(f"output through the daemon differs from the cold CLI for: {', '.join(mismatched)}")
        try:
            found = measure(commands, repeats=context.repeats, warmup=context.warmup)
        except CommandFailed as error:
            return not_measured(f"a command failed through the daemon: {error}")
        return {"status": "measured", "commands": {label: m.as_json() for label, m in found.items()}}
    finally:
        _daemon(context, "stop")


def daemon_internals(context: DaemonContext) -> dict[str, Any]:
    """SLOT 2: initial load, RSS, in-process query p50/p99, change latency p50/p95."""
    reason = availability(context.gto, context.env)
    if reason is not None:
        return not_measured(reason)
    return not_measured(
        "the daemon exists, but this slot is not implemented yet: it needs the daemon's protocol"
        " (initial load time and RSS from 'gto daemon status', query latency in process,"
        " change latency from 'git tag' to the registryChanged notification)"
    )

"""Wall-clock timing of commands: medians of repeated runs, interleaved so drifts hit all alike.

``measure`` runs each command once untimed to check that it works (exit code 0, and how much it
prints), then ``warmup`` more untimed runs, then ``repeats`` timed rounds in which every command
runs once, in a rotating order. Interleaving keeps the ratios between commands honest when the
machine gets slower or faster during a run. Times are ``time.perf_counter`` around
``subprocess.run`` with stdout discarded, so they include starting the process.

Standard library only; no assertions about speed (tests never time anything).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Command", "CommandFailed", "Measurement", "clean_env", "measure", "percentile", "run_once"]


class CommandFailed(RuntimeError):
    """A measured command exited with an error: its numbers would mean nothing."""


@dataclass(frozen=True, slots=True)
class Command:
    """One command line to time, run in ``cwd`` with exactly ``env``."""

    label: str
    argv: Sequence[str]
    cwd: Path | None = None
    env: Mapping[str, str] | None = None
    timeout: float | None = None


@dataclass(slots=True)
class Measurement:
    """The timed runs of one command, in seconds."""

    command: Command
    runs: list[float] = field(default_factory=list)
    stdout: bytes = b""  # what the check run printed

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def as_json(self) -> dict[str, Any]:
        return {
            "argv": list(self.command.argv),
            "median_s": round(self.median, 6),
            "min_s": round(min(self.runs), 6),
            "max_s": round(max(self.runs), 6),
            "p90_s": round(percentile(self.runs, 90), 6),
            "runs": len(self.runs),
            "runs_s": [round(run, 6) for run in self.runs],
            "stdout_bytes": len(self.stdout),
            "stdout_lines": self.stdout.count(b"\n"),
        }


def percentile(values: Sequence[float], percent: float) -> float:
    """The ``percent`` percentile by linear interpolation (what numpy calls 'linear')."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = (len(ordered) - 1) * percent / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def run_once(command: Command, capture: bool) -> tuple[float, bytes]:
    """Run ``command`` once: its wall time, and its stdout when ``capture``; raise ``CommandFailed``."""
    started = time.perf_counter()
    try:
        result = subprocess.run(
            list(command.argv),
            cwd=command.cwd,
            env=dict(command.env) if command.env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=command.timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CommandFailed(f"{command.label}: no answer within {command.timeout} s") from None
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise CommandFailed(f"{command.label}: exit code {result.returncode}: {' | '.join(detail)}")
    return elapsed, result.stdout or b""


def measure(commands: Sequence[Command], *, repeats: int, warmup: int = 1) -> dict[str, Measurement]:
    """Time every command ``repeats`` times, after one check run and ``warmup`` untimed runs each."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    results: dict[str, Measurement] = {}
    for command in commands:
        _, stdout = run_once(command, capture=True)
        results[command.label] = Measurement(command, stdout=stdout)
        for _ in range(warmup):
            run_once(command, capture=False)
    for round_number in range(repeats):
        shift = round_number % len(commands)
        for command in [*commands[shift:], *commands[:shift]]:
            elapsed, _ = run_once(command, capture=False)
            results[command.label].runs.append(elapsed)
    return results


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without settings that would change what is measured.

    ``GTO_*`` variables (a developer's own config) and the variables that point git at another
    repository are dropped; ``extra`` is added on top.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GTO_") and name not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE")
    }
    env.update(extra or {})
    return env

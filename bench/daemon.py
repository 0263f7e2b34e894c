"""Daemon measurements: the two slots of the runner, and how to tell whether a daemon exists.

SLOT 1, ``through_daemon`` — the CLI query commands answered by a running daemon
(SPEC §9: ``GTO_DAEMON=required``), timed like the cold ones; their stdout must equal the
cold CLI's, or the slot reports the mismatch instead of numbers.

SLOT 2, ``daemon_internals`` — on a scratch copy of the repository (it writes tags): the wall
time of ``gto daemon start`` and the initial load the daemon logs ("Loaded N tags in X s"),
medians over as many first starts as the runner repeats commands (each finds no snapshot: the
copy leaves the daemon's directory behind, and the snapshot a stop saves is removed before the
next start); then, with the last daemon, its RSS (``gto/status``), the latency of each query
request over the socket (p50/p99), and the change latency: from ``git tag`` returning to the
``gto/registryChanged`` notification naming the artifact arriving at a connected client
(p50/p95). Once it stops, a last start loads from the snapshot it saved, and its logged load is
reported as the restart.

Both run only when ``gto daemon --help`` works. Nothing here ever invents a number: whatever
cannot be measured is reported as ``{"status": "not measured", "reason": ...}``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.timing import Command, CommandFailed, measure, percentile

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
    targets: Mapping[str, str]  # name, stage and tag the queries are about
    floor_git_s: float  # median of git for-each-ref refs/tags on this repository
    requests: int = 100  # query requests per method for the latency percentiles
    changes: int = 20  # tags written for the change latency


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
    """SLOT 2: start and initial load, RSS, request latency p50/p99, change latency p50/p95, and
    the load of a restart from the snapshot the first daemon saved when it stopped."""
    reason = availability(context.gto, context.env)
    if reason is not None:
        return not_measured(reason)
    with tempfile.TemporaryDirectory(prefix="gto-bench-", dir=context.repo.parent) as scratch:
        copy = Path(scratch) / "repo"
        # The daemon's own files (socket, pid, log) of the original stay behind.
        shutil.copytree(context.repo, copy, symlinks=True, ignore=_daemon_state)
        from gto.server.location import daemon_files

        # Written to disk now, so that the kernel does not write the copy back during the loads.
        os.sync()
        scratch_context = replace(context, repo=copy)
        files = daemon_files(copy / ".git", context.env)
        # First starts, each without a snapshot: the start and the load are medians over them.
        starts: list[float] = []
        loads: list[float] = []
        for number in range(max(1, context.repeats)):
            if number:
                _daemon(scratch_context, "stop")
                files.snapshot.unlink(missing_ok=True)
            started = time.perf_counter()
            result = _daemon(scratch_context, "start")
            starts.append(time.perf_counter() - started)
            if result.returncode != 0:
                return not_measured(f"'gto daemon start' failed: {result.stderr.decode(errors='replace').strip()}")
            load = _logged_load(files.log)
            if load is None or not _last_load_line(files.log).endswith("from git"):
                _daemon(scratch_context, "stop")
                return not_measured("the daemon did not log a first load from git")
            loads.append(load)
        load = percentile(loads, 50)
        try:
            found = {
                "status": "measured",
                "start_s": round(percentile(starts, 50), 4),
                "initial_load_s": load,
                "initial_load_ratio": round(load / context.floor_git_s, 3),
                "initial_load_runs_s": loads,
                **_internals(scratch_context),
            }
        except (OSError, TimeoutError, RuntimeError, ValueError) as error:
            return not_measured(f"the daemon did not answer as expected: {type(error).__name__}: {error}")
        finally:
            _daemon(scratch_context, "stop")
        return {**found, **_restart(scratch_context)}


def _restart(context: DaemonContext) -> dict[str, Any]:
    """The load of a daemon started again after the first one stopped, from the snapshot that
    one saved (the change-latency tags made it save one), as the log says."""
    from gto.server.location import daemon_files

    log = daemon_files(context.repo / ".git", context.env).log
    if _daemon(context, "start").returncode != 0:
        return {"restart_load_s": None, "restart_load_ratio": None, "restart_from_snapshot": False}
    try:
        load = _logged_load(log)
        return {
            "restart_load_s": load,
            "restart_load_ratio": round(load / context.floor_git_s, 3) if load is not None else None,
            "restart_from_snapshot": "snapshot" in _last_load_line(log),
        }
    finally:
        _daemon(context, "stop")


def _daemon_state(directory: str, names: list[str]) -> list[str]:
    return ["gto"] if os.path.basename(directory) == ".git" and "gto" in names else []


def _internals(context: DaemonContext) -> dict[str, Any]:
    from gto.server.client import Client
    from gto.server.location import daemon_files

    files = daemon_files(context.repo / ".git", context.env)
    name, stage, tag = context.targets["name"], context.targets["stage"], context.targets["tag"]
    with Client.connect(files.socket) as client:
        status = client.request("gto/status", timeout=60)
        requests: dict[str, tuple[str, dict[str, Any]]] = {
            "gto/show": ("gto/show", {}),
            "gto/showVersions NAME": ("gto/showVersions", {"name": name}),
            "gto/history NAME": ("gto/history", {"name": name}),
            "gto/which NAME STAGE": ("gto/which", {"name": name, "stage": stage}),
            "gto/checkRef TAG": ("gto/checkRef", {"ref": tag}),
        }
        latencies: dict[str, Any] = {}
        for label, (method, params) in requests.items():
            samples = []
            for number in range(context.requests + 3):
                began = time.perf_counter()
                client.request(method, params, timeout=60)
                if number >= 3:  # the first answers warm up the server's caches
                    samples.append(time.perf_counter() - began)
            latencies[label] = _percentiles(samples, (50, 99))
        changes = _change_latencies(context, client, name, stage)
    worst_p50 = max(found["p50_s"] for found in latencies.values())
    worst_p99 = max(found["p99_s"] for found in latencies.values())
    rss = status.get("memory_rss")
    return {
        "tag_count": status.get("tag_count"),
        "rss_mib": round(rss / 2**20, 1) if rss else None,
        "requests": latencies,
        "request_p50_s": worst_p50,
        "request_p99_s": worst_p99,
        "change_p50_s": _percentiles(changes, (50,))["p50_s"],
        "change_p95_s": _percentiles(changes, (95,))["p95_s"],
        "changes": len(changes),
        "change_runs_s": [round(value, 4) for value in changes],
    }


def _logged_load(log: Path) -> float | None:
    """The initial load time the daemon logged ("Loaded N tags in X s"), if it did."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        found = re.search(r"Loaded \d+ tags in ([0-9.]+) s", line)
        if found:
            return float(found.group(1))
    return None


def _last_load_line(log: Path) -> str:
    """The daemon's last "Loaded ..." line, which ends with where it loaded from ("" if none)."""
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if "Loaded" in line]
    except OSError:
        return ""
    return lines[-1] if lines else ""


def _change_latencies(context: DaemonContext, client: Any, name: str, stage: str) -> list[float]:
    """Seconds from ``git tag`` returning to the notification that names ``name``, per new tag."""
    versions = client.request("gto/showVersions", {"name": name}, timeout=60)
    commit = versions[0]["commit"]
    env = {
        **context.env,
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
    }
    found = []
    for number in range(context.changes):
        client.notifications.clear()
        tag = f"{name}#{stage}#{1_000_000 + number}"
        message = f"Assigning stage {stage} to artifact {name} (benchmark change {number})"
        result = subprocess.run(
            ["git", "-C", os.fspath(context.repo), "tag", "-a", "-m", message, tag, commit],
            env=env,
            capture_output=True,
            check=False,
        )
        returned = time.perf_counter()
        if result.returncode != 0:
            raise RuntimeError(f"git tag failed: {result.stderr.decode(errors='replace').strip()}")
        client.wait_notification("gto/registryChanged", timeout=30, accept=lambda params: name in params["artifacts"])
        found.append(time.perf_counter() - returned)
        time.sleep(0.05)  # let the watcher settle, so that each change is measured alone
    return found


def _percentiles(samples: Sequence[float], which: Sequence[int]) -> dict[str, Any]:
    return {f"p{p}_s": round(percentile(samples, p), 6) for p in which} | {"n": len(samples)}

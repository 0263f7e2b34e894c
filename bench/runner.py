"""The benchmark runner: ``bash bench/run.sh [options]`` (or ``.venv/bin/python -m bench``).

For each size (registry tags) and refs layout it builds or reuses a generated repository
(``bench.repogen``) and measures, in one interleaved series of runs:

* the floor: ``git for-each-ref refs/tags``, ``python -c pass`` and ``python -c "import gto.cli"``
  with the interpreter that runs ``gto``;
* the cold CLI without a daemon (``GTO_DAEMON=off``): ``gto show``, ``gto show NAME``,
  ``gto history NAME``, ``gto which NAME STAGE``, ``gto check-ref TAG``;
* with ``--upstream``, the same commands with the GTO from PyPI installed in
  ``bench/.upstream-venv`` (created on first use), within a time budget per command;
* through a running daemon and the daemon's internals: the slots of ``bench.daemon``, reported
  as "not measured" while there is no daemon.

It prints medians and ratios (to the floor, to ``python -c pass``, upstream's to ours), checks
the targets of issue 8, and writes everything as JSON to ``bench/results/<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tarfile
import time
import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from bench import daemon
from bench.repogen import DEFAULT_CACHE, LAYOUTS, RepoSpec, ensure_repo
from bench.timing import Command, CommandFailed, Measurement, clean_env, measure, run_once

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM_VENV = ROOT / "bench" / ".upstream-venv"
DEFAULT_RESULTS = ROOT / "bench" / "results"
SCHEMA = 1

# Cold CLI at 10,000 tags: at most this many times (git for-each-ref + python -c "import gto.cli").
COLD_LIMIT = 3.0
# Through the daemon: at most this many times python -c pass, by size.
DAEMON_LIMITS = {10_000: 4.0, 100_000: 6.0}
DAEMON_LOAD_LIMIT = 5.0  # initial load at 100,000 tags, times git for-each-ref
DAEMON_RSS_LIMIT_MIB = 250.0
CHANGE_P95_LIMIT_S = 0.250


def _queries(targets: dict[str, str]) -> dict[str, list[str]]:
    """The measured query commands (gto arguments), by label."""
    name, stage, tag = targets["name"], targets["stage"], targets["tag"]
    return {
        "gto show": ["show"],
        "gto show NAME": ["show", name],
        "gto history NAME": ["history", name],
        "gto which NAME STAGE": ["which", name, stage],
        "gto check-ref TAG": ["check-ref", tag],
    }


FLOOR_GIT = "git for-each-ref refs/tags"
FLOOR_PASS = "python -c pass"
FLOOR_IMPORT = 'python -c "import gto.cli"'
FLOOR_CLI = "floor: for-each-ref + import gto.cli"


# ---------------------------------------------------------------------------------------------
# The machine


def _first_line(argv: Sequence[str]) -> str:
    try:
        return subprocess.run(list(argv), capture_output=True, text=True, check=False).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = "unknown"
    memory_mib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_mib = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_mib": memory_mib,
        "platform": platform.platform(),
        "git": _first_line(["git", "--version"]),
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
    }


def project(package: str) -> dict[str, Any]:
    """Which gto was measured: its version, where it lives, the commit of the work tree (dirty or not)."""
    from gto import __version__

    commit = _first_line(["git", "-C", os.fspath(ROOT), "rev-parse", "HEAD"])
    status = subprocess.run(
        ["git", "-C", os.fspath(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        "gto_version": __version__,
        "package": package,
        "bytecode": "precompiled (compileall) before measuring",
        "commit": commit,
        "dirty": bool(status.stdout.strip()),
        # Set when measuring another copy of gto than the work tree's (a baseline).
        "pythonpath": os.environ.get("PYTHONPATH", ""),
    }


def precompile(python: str) -> str:
    """Compile the measured gto package to bytecode, as ``pip install`` does; return its directory.

    An editable install is compiled on first use, unless ``PYTHONDONTWRITEBYTECODE`` is set:
    then every run would compile gto's modules from source again, which no installed gto does.
    """
    env = clean_env()
    # From the root directory, as the measured commands run from theirs: a gto/ directory in the
    # current directory would shadow the package that PYTHONPATH or the venv provides.
    found = subprocess.run(
        [python, "-c", "import gto, os; print(os.path.dirname(gto.__file__))"],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", found], env=env, capture_output=True, check=True)
    return found


# ---------------------------------------------------------------------------------------------
# A baseline: gto at another commit, timed in the same series


BASELINES = ROOT / "bench" / ".baseline"


class Baseline(NamedTuple):
    """gto as of another commit: its package directory (for ``PYTHONPATH``) and its console script."""

    commit: str
    path: Path
    argv: list[str]


def prepare_baseline(rev: str) -> Baseline:
    """gto as of the commit ``rev`` names, ready to run: its package compiled, its entry point.

    The package and ``pyproject.toml`` are taken with ``git archive`` from this repository, so
    any commit can be compared with the work tree in one interleaved run (``PYTHONPATH`` puts
    the package first; the console script is that commit's own entry point).
    """
    commit = subprocess.run(
        ["git", "-C", os.fspath(ROOT), "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    target = BASELINES / commit[:12]
    if not (target / "pyproject.toml").exists():
        archive = subprocess.run(
            ["git", "-C", os.fspath(ROOT), "archive", "--format=tar", commit, "gto", "pyproject.toml"],
            capture_output=True,
            check=True,
        ).stdout
        scratch = BASELINES / f".{commit[:12]}-{os.getpid()}"
        scratch.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(scratch, filter="data")
        scratch.rename(target)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", os.fspath(target / "gto")], capture_output=True, check=True
    )
    scripts = tomllib.loads((target / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, function = scripts["gto"].partition(":")
    code = f"import sys; from {module} import {function}; sys.argv[0] = 'gto'; sys.exit({function}())"
    return Baseline(commit, target, [sys.executable, "-c", code])


# ---------------------------------------------------------------------------------------------
# Upstream GTO


def upstream_gto(create: bool) -> Path | None:
    """The ``gto`` of the side environment, creating it (``pip install gto``) when asked."""
    executable = UPSTREAM_VENV / "bin" / "gto"
    if executable.exists() or not create:
        return executable if executable.exists() else None
    print(f"Installing the upstream GTO from PyPI into {UPSTREAM_VENV} …", file=sys.stderr)
    python = os.environ.get("PYTHON", "python3")
    subprocess.run([python, "-m", "venv", os.fspath(UPSTREAM_VENV)], check=True)
    pip = [os.fspath(UPSTREAM_VENV / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "install", "gto"], check=True)
    return executable if executable.exists() else None


def measure_upstream(
    gto: Path, repo: Path, queries: dict[str, list[str]], repeats: int, budget: float, ours: Sequence[str]
) -> dict[str, Any]:
    """Upstream's medians, and whether it reads the same registry as ``ours`` (gto's command).

    Upstream rebuilds everything on every call and takes seconds to minutes: its runs are not
    warmed up, and each command gets as many runs as fit in ``budget`` seconds (at least one,
    which may take at most ``budget`` seconds, or the command is reported as timed out).
    """
    env = clean_env({"DO_NOT_TRACK": "1", "ITERATIVE_DO_NOT_TRACK": "1"})
    version = _first_line([os.fspath(gto), "--version"])
    results: dict[str, Any] = {}
    for label, args in queries.items():
        command = Command(label, [os.fspath(gto), *args], repo, env, timeout=budget)
        measurement = Measurement(command)
        try:
            while len(measurement.runs) < repeats:
                elapsed, stdout = run_once(command, capture=not measurement.runs)
                measurement.stdout = measurement.stdout or stdout
                measurement.runs.append(elapsed)
                if sum(measurement.runs) + elapsed > budget:
                    break
            results[label] = measurement.as_json()
        except CommandFailed as error:
            results[label] = daemon.not_measured(f"upstream: {error}")
    same: bool | None = None
    try:
        listing = ["show", "--json", "--deprecated"]
        _, theirs = run_once(Command("upstream show --json", [os.fspath(gto), *listing], repo, env, budget), True)
        _, mine = run_once(Command("gto show --json", [*ours, *listing], repo, clean_env({"GTO_DAEMON": "off"})), True)
        same = json.loads(theirs) == json.loads(mine)
    except (CommandFailed, ValueError):
        same = None
    return {"status": "measured", "version": version, "same_registry": same, "commands": results}


# ---------------------------------------------------------------------------------------------
# One repository


def run_one(
    spec: RepoSpec,
    *,
    cache: Path,
    repeats: int,
    warmup: int,
    upstream: Path | None,
    upstream_budget: float,
    skip_daemon: bool = False,
    baseline: Baseline | None = None,
) -> dict[str, Any]:
    """Everything measured on the repository of ``spec``."""
    found = ensure_repo(spec, cache)
    repo = Path(found["path"])
    python = sys.executable
    gto = [os.fspath(Path(python).parent / "gto")]
    if not Path(gto[0]).exists():
        gto = [python, "-c", "import sys; from gto.cli import main; sys.argv[0] = 'gto'; main()"]
    env = clean_env({"GTO_DAEMON": "off"})
    queries = _queries(found["targets"])
    floor = [
        Command(FLOOR_GIT, ["git", "-C", os.fspath(repo), "for-each-ref", "refs/tags"], repo, env),
        Command(FLOOR_PASS, [python, "-c", "pass"], repo, env),
        Command(FLOOR_IMPORT, [python, "-c", "import gto.cli"], repo, env),
    ]
    cli = [Command(label, [*gto, *args], repo, env) for label, args in queries.items()]
    before: list[Command] = []
    if baseline is not None:
        before_env = {**env, "PYTHONPATH": os.fspath(baseline.path)}
        before = [
            Command(f"baseline {label}", [*baseline.argv, *args], repo, before_env) for label, args in queries.items()
        ]
    print(f"  measuring {spec.tags:,} tags, {spec.layout} refs ({repo.name}) …", file=sys.stderr, flush=True)
    found_runs = measure([*floor, *cli, *before], repeats=repeats, warmup=warmup)
    floor_cli = found_runs[FLOOR_GIT].median + found_runs[FLOOR_IMPORT].median
    python_pass = found_runs[FLOOR_PASS].median

    def entry(measurement: Measurement, ratio: bool) -> dict[str, Any]:
        data = measurement.as_json()
        if ratio:
            data["ratio_to_floor"] = round(measurement.median / floor_cli, 3)
            data["ratio_to_python_pass"] = round(measurement.median / python_pass, 3)
        return data

    result: dict[str, Any] = {
        "size": spec.tags,
        "layout": spec.layout,
        "repo": {key: found[key] for key in ("key", "path", "spec", "commits", "counts", "targets", "build_seconds")},
        "floor": {command.label: entry(found_runs[command.label], False) for command in floor},
        "cli": {command.label: entry(found_runs[command.label], True) for command in cli},
    }
    result["floor"][FLOOR_CLI] = {"median_s": round(floor_cli, 6)}
    if baseline is None:
        result["baseline"] = daemon.not_measured("no baseline: run with --baseline REV to compare with a commit")
    else:
        commands: dict[str, Any] = {}
        for command in cli:
            theirs = found_runs[f"baseline {command.label}"]
            data = entry(theirs, True)
            data["ratio_to_gto"] = round(theirs.median / found_runs[command.label].median, 3)
            data["same_stdout"] = theirs.stdout == found_runs[command.label].stdout
            commands[command.label] = data
        result["baseline"] = {"status": "measured", "commit": baseline.commit, "commands": commands}
    if upstream is None:
        result["upstream"] = daemon.not_measured(
            "no upstream GTO: run with --upstream to install and measure it (up to --upstream-max-size tags)"
        )
    else:
        print("  measuring upstream GTO …", file=sys.stderr, flush=True)
        result["upstream"] = measure_upstream(upstream, repo, queries, repeats, upstream_budget, gto)
        for label, data in result["upstream"]["commands"].items():
            if "median_s" in data:
                data["ratio_to_gto"] = round(data["median_s"] / found_runs[label].median, 3)
    context = daemon.DaemonContext(
        repo=repo,
        gto=gto,
        env=clean_env(),
        queries=queries,
        cold_stdout={command.label: found_runs[command.label].stdout for command in cli},
        repeats=repeats,
        warmup=warmup,
        targets=found["targets"],
        floor_git_s=found_runs[FLOOR_GIT].median,
        requests=10 * repeats,
        changes=max(3, 2 * repeats),
    )
    if skip_daemon:
        result["daemon"] = result["daemon_internals"] = daemon.not_measured("skipped (--skip-daemon)")
        return result
    print("  measuring through the daemon …", file=sys.stderr, flush=True)
    result["daemon"] = daemon.through_daemon(context)
    if result["daemon"].get("status") == "measured":
        for data in result["daemon"]["commands"].values():
            data["ratio_to_python_pass"] = round(data["median_s"] / python_pass, 3)
    print("  measuring the daemon's internals …", file=sys.stderr, flush=True)
    result["daemon_internals"] = daemon.daemon_internals(context)
    return result


# ---------------------------------------------------------------------------------------------
# Targets, table, JSON


def targets(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The targets of issue 8 that this run can judge; ``passed`` None means not measured."""
    found: list[dict[str, Any]] = []
    for run in runs:
        size, layout = run["size"], run["layout"]
        where = f"{size:,} tags, {layout} refs"
        if size == 10_000:
            worst = max(run["cli"].items(), key=lambda item: item[1]["ratio_to_floor"])
            found.append(
                {
                    "target": f"cold CLI ≤ {COLD_LIMIT:g}× (for-each-ref + import gto.cli), {where}",
                    "value": worst[1]["ratio_to_floor"],
                    "limit": COLD_LIMIT,
                    "worst": worst[0],
                    "passed": worst[1]["ratio_to_floor"] <= COLD_LIMIT,
                }
            )
        if size in DAEMON_LIMITS:
            limit = DAEMON_LIMITS[size]
            target = f"through the daemon ≤ {limit:g}× python -c pass, {where}"
            if run["daemon"].get("status") == "measured":
                worst = max(run["daemon"]["commands"].items(), key=lambda item: item[1]["ratio_to_python_pass"])
                value = worst[1]["ratio_to_python_pass"]
                found.append(
                    {"target": target, "value": value, "limit": limit, "worst": worst[0], "passed": value <= limit}
                )
            else:
                found.append({"target": target, "value": None, "limit": limit, "passed": None})
        if size == 100_000:
            internals = run["daemon_internals"]
            # The keys the internals slot reports (bench/daemon.py), with their limits.
            for key, target, limit in (
                (
                    "initial_load_ratio",
                    f"daemon initial load ≤ {DAEMON_LOAD_LIMIT:g}× for-each-ref, {where}",
                    DAEMON_LOAD_LIMIT,
                ),
                ("rss_mib", f"daemon RSS ≤ {DAEMON_RSS_LIMIT_MIB:g} MiB, {where}", DAEMON_RSS_LIMIT_MIB),
                ("change_p95_s", f"change latency p95 ≤ {CHANGE_P95_LIMIT_S * 1000:g} ms, {where}", CHANGE_P95_LIMIT_S),
            ):
                value = internals.get(key) if internals.get("status") == "measured" else None
                passed = None if value is None else value <= limit
                found.append({"target": target, "value": value, "limit": limit, "passed": passed})
    return found


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def table(report: dict[str, Any]) -> str:
    """The human-readable summary of a report."""
    box = report["machine"]
    settings = report["settings"]
    lines = [
        f"gto benchmark · {box['nproc']} cores · {box['cpu']} · {box['memory_mib']} MiB · {box['git']}"
        f" · Python {box['python']} · medians of {settings['repeats']} runs",
    ]
    for run in report["runs"]:
        repo = run["repo"]
        query = repo["targets"]
        lines += [
            "",
            f"{run['size']:,} registry tags · {run['layout']} refs · {repo['counts']['artifacts']} artifacts ·"
            f" NAME={query['name']} STAGE={query['stage']} TAG={query['tag']}",
            f"  {'command':<40} {'median':>12} {'× floor':>8} {'× pass':>8} {'baseline':>12} {'base/gto':>8}"
            f" {'upstream':>12} {'up/gto':>8}",
        ]
        for label, data in run["floor"].items():
            lines.append(f"  {label:<40} {_ms(data['median_s']):>12}")
        upstream = run["upstream"].get("commands", {}) if run["upstream"].get("status") == "measured" else {}
        before = run["baseline"].get("commands", {}) if run["baseline"].get("status") == "measured" else {}
        for label, data in run["cli"].items():
            columns = []
            for other in (before.get(label, {}), upstream.get(label, {})):
                columns.append(_ms(other["median_s"]) if "median_s" in other else "-")
                columns.append(f"{other['ratio_to_gto']:.2f}×" if "ratio_to_gto" in other else "-")
            base_median, base_ratio, up_median, up_ratio = columns
            pass_ratio = data["ratio_to_python_pass"]
            lines.append(
                f"  {'cold ' + label:<40} {_ms(data['median_s']):>12} {data['ratio_to_floor']:>7.2f}×"
                f" {pass_ratio:>7.2f}× {base_median:>12} {base_ratio:>8} {up_median:>12} {up_ratio:>8}"
            )
        if before:
            differing = [label for label, data in before.items() if not data["same_stdout"]]
            same = "same output" if not differing else f"OUTPUT DIFFERS for {', '.join(differing)}"
            lines.append(f"  baseline: {run['baseline']['commit'][:12]}, {same}")
        if run["upstream"].get("status") == "measured":
            same = {True: "reads the same registry", False: "READS A DIFFERENT REGISTRY", None: "registry not compared"}
            lines.append(f"  upstream: {run['upstream']['version']}, {same[run['upstream']['same_registry']]}")
            for label, data in run["upstream"]["commands"].items():
                if "reason" in data:
                    lines.append(f"    {label}: {data['reason']}")
        else:
            lines.append(f"  upstream: {run['upstream']['reason']}")
        if run["daemon"].get("status") == "measured":
            for label, data in run["daemon"]["commands"].items():
                ratio = data["ratio_to_python_pass"]
                lines.append(f"  {'daemon ' + label:<40} {_ms(data['median_s']):>12} {'':>8} {ratio:>7.2f}×")
        else:
            lines.append(f"  through the daemon: {run['daemon']['reason']}")
        internals = run["daemon_internals"]
        if internals.get("status") == "measured":
            load = internals["initial_load_s"]
            starts = len(internals.get("initial_load_runs_s", [load]))
            lines.append(
                f"  daemon start {internals['start_s'] * 1000:.0f} ms, initial load "
                + (f"{load * 1000:.0f} ms ({internals['initial_load_ratio']:.2f}× for-each-ref)" if load else "?")
                + f" (medians of {starts} first start{'s' if starts != 1 else ''})"
                + f", RSS {internals['rss_mib']} MiB, {internals['tag_count']} tags"
            )
            restart = internals.get("restart_load_s")
            if restart is not None:
                origin = "its snapshot" if internals.get("restart_from_snapshot") else "git (no snapshot read)"
                lines.append(
                    f"  daemon restart: load {restart * 1000:.0f} ms"
                    f" ({internals['restart_load_ratio']:.2f}× for-each-ref), from {origin}"
                )
            for label, found in internals["requests"].items():
                p50, p99 = found["p50_s"] * 1000, found["p99_s"] * 1000
                lines.append(f"  daemon request {label:<26} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")
            lines.append(
                f"  daemon change latency (git tag → registryChanged, {internals['changes']} tags):"
                f" p50 {internals['change_p50_s'] * 1000:.0f} ms, p95 {internals['change_p95_s'] * 1000:.0f} ms"
            )
        else:
            lines.append(f"  daemon internals: {run['daemon_internals']['reason']}")
    if report["targets"]:
        lines += ["", "Targets (issue 8)"]
        for target in report["targets"]:
            mark = {True: "PASS", False: "MISS", None: "n/a "}[target["passed"]]
            value = "not measured" if target["value"] is None else f"{target['value']:g}"
            worst = f" (worst: {target['worst']})" if target.get("worst") else ""
            lines.append(f"  {mark}  {target['target']}: {value}{worst}")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bash bench/run.sh", description="Time gto on generated registries (see bench/README.md)."
    )
    parser.add_argument("--sizes", help="registry tag counts, comma-separated (default 1000,10000,100000)")
    parser.add_argument("--layouts", help=f"refs layouts, comma-separated, of {', '.join(LAYOUTS)} (default both)")
    parser.add_argument("--repeats", type=int, help="timed runs per command (default 10)")
    parser.add_argument("--warmup", type=int, help="untimed runs per command after the check run (default 1)")
    parser.add_argument("--quick", action="store_true", help="smoke mode: 1000 tags, packed, 2 runs, no warm-up")
    parser.add_argument("--upstream", action="store_true", help="also time the GTO from PyPI (installs it once)")
    parser.add_argument("--upstream-budget", type=float, default=120.0, help="seconds per upstream command")
    parser.add_argument(
        "--upstream-max-size", type=int, default=10_000, help="time upstream only up to this many tags (default 10000)"
    )
    parser.add_argument("--baseline", metavar="REV", help="also time gto as of commit REV, in the same series")
    parser.add_argument("--skip-daemon", action="store_true", help="do not try the daemon slots")
    parser.add_argument("--label", default="", help="a note stored in the JSON report (e.g. 'before')")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="where generated repositories live")
    parser.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS, help="where the JSON report goes")
    args = parser.parse_args(argv)
    quick = args.quick
    args.sizes = [
        int(size.replace("_", "")) for size in (args.sizes or ("1000" if quick else "1000,10000,100000")).split(",")
    ]
    args.layouts = (args.layouts or ("packed" if quick else ",".join(LAYOUTS))).split(",")
    for layout in args.layouts:
        if layout not in LAYOUTS:
            parser.error(f"unknown layout {layout!r}")
    args.repeats = args.repeats if args.repeats is not None else (2 if quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (0 if quick else 1)
    if args.repeats < 1 or args.warmup < 0:
        parser.error("--repeats must be at least 1 and --warmup at least 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    upstream = upstream_gto(create=True) if args.upstream else None
    if args.upstream and upstream is None:
        print("The upstream GTO could not be installed; measuring gto alone.", file=sys.stderr)
    package = precompile(sys.executable)
    baseline = prepare_baseline(args.baseline) if args.baseline else None
    started = datetime.now(UTC)
    clock = time.perf_counter()
    runs = []
    try:
        for size in args.sizes:
            for layout in args.layouts:
                runs.append(
                    run_one(
                        RepoSpec(size, layout, args.seed),
                        cache=args.cache_dir,
                        repeats=args.repeats,
                        warmup=args.warmup,
                        upstream=upstream if size <= args.upstream_max_size else None,
                        upstream_budget=args.upstream_budget,
                        skip_daemon=args.skip_daemon,
                        baseline=baseline,
                    )
                )
    except CommandFailed as error:
        print(f"A measured command failed, so its numbers would mean nothing: {error}", file=sys.stderr)
        return 1
    report = {
        "schema": SCHEMA,
        "label": args.label,
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - clock, 1),
        "machine": machine(),
        "project": project(package),
        "settings": {
            "sizes": args.sizes,
            "layouts": args.layouts,
            "repeats": args.repeats,
            "warmup": args.warmup,
            "quick": args.quick,
            "seed": args.seed,
            "upstream": args.upstream,
            "upstream_budget_s": args.upstream_budget,
            "upstream_max_size": args.upstream_max_size,
            "baseline": args.baseline,
        },
        "runs": runs,
    }
    report["targets"] = targets(runs)
    print(table(report))
    args.results_dir.mkdir(parents=True, exist_ok=True)
    path = args.results_dir / f"{started.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(f"\nWrote {path}")
    return 0

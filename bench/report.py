"""Markdown tables of benchmark reports, as ``docs/performance.md`` shows them.

``python -m bench.report bench/results/A.json [B.json …]`` prints one table per size and refs
layout found in the reports (later files win for the same size and layout): medians, ratios
to the floor, the baseline and upstream columns when measured, the daemon measurements.
Reads JSON only; measures nothing.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["markdown"]


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.0995 else f"{seconds * 1000:.1f} ms"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _run_table(run: dict[str, Any]) -> list[str]:
    repo = run["repo"]
    query = repo["targets"]
    lines = [
        f"### {run['size']:,} registry tags, {run['layout']} refs",
        "",
        f"{repo['counts']['artifacts']} artifacts, {repo['counts']['registrations']} versions,"
        f" {repo['counts']['stage_events']} stage events, {repo['counts']['other_tags']} other tags;"
        f" NAME=`{query['name']}`, STAGE=`{query['stage']}`, TAG=`{query['tag']}`.",
        "",
    ]
    before = run["baseline"].get("commands", {}) if run["baseline"].get("status") == "measured" else {}
    upstream = run["upstream"].get("commands", {}) if run["upstream"].get("status") == "measured" else {}
    daemon = run["daemon"].get("commands", {}) if run["daemon"].get("status") == "measured" else {}
    header = ["command", "cold (after)", "× floor"]
    if before:
        header += [f"before ({run['baseline']['commit'][:7]})", "× floor", "speed-up"]
    if upstream:
        header += ["upstream GTO", "upstream ÷ gto"]
    if daemon:
        header += ["through daemon", "× `python -c pass`"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, data in run["floor"].items():
        cells = [f"floor: {label}" if not label.startswith("floor") else label, _ms(data["median_s"]), ""]
        cells += [""] * (len(header) - len(cells))
        lines.append("| " + " | ".join(cells) + " |")
    for label, data in run["cli"].items():
        cells = [f"`{label}`", _ms(data["median_s"]), _ratio(data["ratio_to_floor"])]
        if before:
            theirs = before.get(label, {})
            cells += [
                _ms(theirs.get("median_s")),
                _ratio(theirs.get("ratio_to_floor")),
                _ratio(theirs.get("ratio_to_gto")),
            ]
        if upstream:
            theirs = upstream.get(label, {})
            cells += (
                [_ms(theirs.get("median_s")), _ratio(theirs.get("ratio_to_gto"))]
                if "median_s" in theirs
                else ["–", "–"]
            )
        if daemon:
            ours = daemon.get(label, {})
            cells += [_ms(ours.get("median_s")), _ratio(ours.get("ratio_to_python_pass"))]
        lines.append("| " + " | ".join(cells) + " |")
    internals = run["daemon_internals"]
    if internals.get("status") == "measured":
        lines += [
            "",
            f"Daemon: `gto daemon start` {_ms(internals['start_s'])}, initial load {_ms(internals['initial_load_s'])}"
            f" ({_ratio(internals['initial_load_ratio'])} `git for-each-ref`)"
            + (
                f", restarted from its snapshot {_ms(internals['restart_load_s'])}"
                f" ({_ratio(internals['restart_load_ratio'])})"
                if internals.get("restart_from_snapshot")
                else ""
            )
            + f", RSS {internals['rss_mib']} MiB;"
            f" change latency p50 {_ms(internals['change_p50_s'])}, p95 {_ms(internals['change_p95_s'])}"
            f" ({internals['changes']} tags). Requests over the socket, p50 / p99: "
            + ", ".join(
                f"`{label}` {_ms(found['p50_s'])} / {_ms(found['p99_s'])}"
                for label, found in internals["requests"].items()
            )
            + ".",
        ]
    return [*lines, ""]


def markdown(reports: list[dict[str, Any]]) -> str:
    """The tables of every (size, layout) in ``reports``, smallest size first."""
    runs: dict[tuple[int, str], dict[str, Any]] = {}
    for report in reports:
        for run in report["runs"]:
            runs[(run["size"], run["layout"])] = run
    lines: list[str] = []
    for key in sorted(runs, key=lambda key: (key[0], key[1] != "packed")):
        lines += _run_table(runs[key])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs="+", type=Path, help="JSON reports written by the runner")
    args = parser.parse_args(argv)
    print(markdown([json.loads(path.read_text()) for path in args.reports]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

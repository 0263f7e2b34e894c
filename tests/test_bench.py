"""The benchmark tools: generated registries read as planned, and the runner writes its report.

Small sizes only (a few hundred tags, seconds in all); nothing here times anything or asserts
a speed. The generator's own expectations (``bench.repogen.Expected``) are checked against what
``gto.api.load`` reads, so a generator bug and a reader bug cannot hide each other silently.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.repogen import RepoSpec, ensure_repo, plan_repo
from gto import api
from gto.queries import ViewOptions, stage_versions

ROOT = Path(__file__).resolve().parent.parent


def git_lines(repo: str, *args: str) -> list[str]:
    result = subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


@pytest.mark.parametrize("layout", ["packed", "loose"])
def test_a_generated_registry_reads_as_planned(tmp_path: Path, layout: str) -> None:
    found = ensure_repo(RepoSpec(300, layout, seed=7), tmp_path)
    counts = found["counts"]
    state = api.load(found["path"]).state

    assert len(state.artifacts) == counts["artifacts"]
    assert len(state.events_by_tag) == counts["registry_tags"] == 300
    versions = [version for artifact in state.artifacts.values() for version in artifact.versions]
    assert len(versions) == counts["registrations"]
    assert all(version.registered for version in versions)  # stage tags point at registered versions
    assert sum(version.active for version in versions) == counts["active_versions"]
    stage_events = [event for event in state.events_by_tag.values() if event.stage is not None]
    assert len(stage_events) == counts["stage_events"] == counts["assignments"] + counts["unassignments"]
    assert sum(artifact.deprecated for artifact in state.artifacts.values()) == counts["deprecations"] >= 1
    assert counts["deregistrations"] >= 1 and counts["unassignments"] >= 1 and counts["annotated_only"] >= 1
    assert state.problems == ()
    for name, facts in found["artifacts"].items():
        artifact = state.artifacts[name]
        assert (artifact.latest.version if artifact.latest else None) == facts["latest"], name
        assert artifact.deprecated == facts["deprecated"], name
        shown = {stage: pairs[0][0].version for stage, pairs in stage_versions(artifact, ViewOptions()).items()}
        assert shown == facts["stages"], name

    tags = git_lines(found["path"], "tag", "--list")
    assert len(tags) == counts["registry_tags"] + counts["other_tags"]
    assert len(git_lines(found["path"], "branch", "--list")) == counts["branches"]
    loose_tags = list((Path(found["path"]) / ".git" / "refs" / "tags").rglob("*"))
    loose_files = [path for path in loose_tags if path.is_file()]
    assert len(loose_files) == (0 if layout == "packed" else len(tags))
    assert git_lines(found["path"], "status", "--porcelain") == []


def test_the_plan_depends_only_on_the_spec() -> None:
    spec = RepoSpec(500, seed=3)
    assert plan_repo(spec) == plan_repo(RepoSpec(500, seed=3))
    assert plan_repo(spec).tags != plan_repo(RepoSpec(500, seed=4)).tags
    # Counters are per artifact and never reused; every tag name is new.
    names = [tag.name for tag in plan_repo(spec).tags]
    assert len(names) == len(set(names))


def test_a_built_repository_is_reused(tmp_path: Path) -> None:
    first = ensure_repo(RepoSpec(50, seed=1), tmp_path)
    marker = Path(first["path"]) / ".git" / "packed-refs"
    stamp = marker.stat().st_mtime_ns
    second = ensure_repo(RepoSpec(50, seed=1), tmp_path)
    assert second == first
    assert marker.stat().st_mtime_ns == stamp


def test_the_quick_run_writes_a_report_with_every_section(tmp_path: Path) -> None:
    results = tmp_path / "results"
    command = [sys.executable, "-m", "bench", "--quick", "--sizes", "200", "--repeats", "1", "--skip-daemon"]
    command += ["--cache-dir", str(tmp_path / "repos"), "--results-dir", str(results)]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert finished.returncode == 0, finished.stderr
    assert "cold gto show" in finished.stdout

    (report_file,) = results.glob("*.json")
    report = json.loads(report_file.read_text())
    assert {"schema", "machine", "project", "settings", "runs", "targets"} <= set(report)
    assert {"nproc", "cpu", "memory_mib", "git", "python"} <= set(report["machine"])
    (run,) = report["runs"]
    assert run["size"] == 200 and run["layout"] == "packed"
    assert set(run["floor"]) == {
        "git for-each-ref refs/tags",
        "python -c pass",
        'python -c "import gto.cli"',
        "floor: for-each-ref + import gto.cli",
    }
    assert set(run["cli"]) == {
        "gto show",
        "gto show NAME",
        "gto history NAME",
        "gto which NAME STAGE",
        "gto check-ref TAG",
    }
    for measured in run["cli"].values():
        assert {"median_s", "runs_s", "ratio_to_floor", "ratio_to_python_pass"} <= set(measured)
        assert measured["median_s"] > 0 and measured["stdout_bytes"] > 0
    for slot in ("daemon", "daemon_internals", "upstream", "baseline"):
        assert run[slot]["status"] == "not measured" and run[slot]["reason"]


def test_the_daemon_slots_measure_first_starts_and_a_restart_from_the_snapshot(tmp_path: Path) -> None:
    results = tmp_path / "results"
    command = [sys.executable, "-m", "bench", "--quick", "--sizes", "200", "--repeats", "2"]
    command += ["--cache-dir", str(tmp_path / "repos"), "--results-dir", str(results)]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr
    (report_file,) = results.glob("*.json")
    (run,) = json.loads(report_file.read_text())["runs"]
    assert run["daemon"]["status"] == "measured"
    internals = run["daemon_internals"]
    assert internals["status"] == "measured"
    assert internals["initial_load_s"] is not None and internals["restart_load_s"] is not None
    # Two first starts (the snapshot the first one saved was removed), then the restart from one.
    assert len(internals["initial_load_runs_s"]) == 2
    assert internals["restart_from_snapshot"] is True
    assert "(medians of 2 first starts)" in finished.stdout
    assert "daemon restart: load" in finished.stdout and "from its snapshot" in finished.stdout

"""Deterministic registry repositories for the benchmarks, built in bulk and cached.

``plan_repo`` turns a ``RepoSpec`` (how many registry tags, which refs layout, which seed) into
a ``RepoPlan``: commits, an ``artifacts.yaml``, every tag to write, and what any GTO reader must
find in the result (``Expected``). ``build_repo`` writes a plan into a new repository with
``bench.bulk`` (one ``fast-import``, one pack of tag objects, one ``packed-refs`` write or one
``update-ref`` transaction), and ``ensure_repo`` keeps built repositories under a cache directory
keyed by the spec, so reruns cost nothing.

The registry is kept readable the same way by every GTO reader (0.2.x, 1.x and gto): artifact
names and stages use the narrow 0.2.x alphabet; every tag of one artifact has its own tagger
second (no tie-break rules are exercised); each version of an artifact sits on its own commit;
stage tags always point at a registered, active version; only versions without stage tags are
deregistered; a deprecation is always the newest event of its artifact. Tags are written in the
shapes gto itself writes: ``A@vX.Y.Z``, ``A@vX.Y.Z!``, ``A#S#N``, ``A#S!#N``, ``A@deprecated``,
with per-artifact counters.

Run ``python -m bench.repogen --tags 10000 --layout loose`` to build (or find) one and print its
path. Not imported by ``gto``; uses only the standard library and ``bench.bulk``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.bulk import BulkTag, add_commits, add_refs, add_tags

__all__ = [
    "DEFAULT_CACHE",
    "GENERATOR_VERSION",
    "Expected",
    "PlannedTag",
    "RepoPlan",
    "RepoSpec",
    "build_repo",
    "ensure_repo",
    "plan_repo",
]

# Bump when the generated repositories change, so that cached ones are rebuilt.
GENERATOR_VERSION = 1
DEFAULT_CACHE = Path(__file__).resolve().parent / ".repos"
LAYOUTS = ("packed", "loose")
STAGES = ("dev", "staging", "prod")
# Tagger identities and the UTC offsets they write their dates with.
AUTHORS = (
    ("Alice", "alice@example.com", "+0000"),
    ("Bob", "bob@example.com", "+0100"),
    ("Chandra", "chandra@example.com", "+0530"),
    ("Dana", "dana@example.com", "-0700"),
)
_START = 1_700_000_000  # commits start here; tags follow the last commit
_TAG_SPACING = 10  # seconds between two tags of the whole registry


@dataclass(frozen=True, slots=True)
class RepoSpec:
    """What to generate: ``tags`` registry tags over ``artifacts`` artifacts (default tags/100).

    ``layout`` is ``packed`` (refs in ``packed-refs``, as after ``git gc``) or ``loose`` (one
    file per ref, as after many ``git tag`` or ``git fetch`` calls).
    """

    tags: int
    layout: str = "packed"
    seed: int = 0
    artifacts: int | None = None

    def __post_init__(self) -> None:
        if self.tags < 1:
            raise ValueError("a registry needs at least one tag")
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {self.layout!r}")

    @property
    def artifact_count(self) -> int:
        count = self.artifacts if self.artifacts is not None else max(3, round(self.tags / 100))
        return max(1, min(count, self.tags))

    @property
    def key(self) -> str:
        """The cache key: every parameter that changes the repository."""
        return f"tags{self.tags}-a{self.artifact_count}-{self.layout}-seed{self.seed}-g{GENERATOR_VERSION}"


@dataclass(frozen=True, slots=True)
class PlannedTag:
    """One tag to write; ``commit`` indexes ``RepoPlan.commit_count``; ``message`` None = lightweight."""

    name: str
    commit: int
    message: str | None
    author: int = 0
    timestamp: int = _START


@dataclass(slots=True)
class Expected:
    """What a GTO reader must find in the repository.

    ``artifacts`` maps every artifact (tagged or annotated only) to its ``latest`` version,
    ``deprecated`` flag and ``stages`` (stage -> the version shown in it by default: the one
    whose active assignment is the most recent).
    """

    registry_tags: int = 0
    other_tags: int = 0
    branches: int = 0
    registrations: int = 0
    deregistrations: int = 0
    assignments: int = 0
    unassignments: int = 0
    deprecations: int = 0
    annotated_only: int = 0
    artifacts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def stage_events(self) -> int:
        return self.assignments + self.unassignments

    @property
    def active_versions(self) -> int:
        return self.registrations - self.deregistrations


@dataclass(frozen=True, slots=True)
class Targets:
    """What the benchmark queries: a busy artifact with a stage, and one of its tags."""

    name: str
    stage: str
    tag: str


@dataclass(frozen=True, slots=True)
class RepoPlan:
    """Everything ``build_repo`` writes, and what readers must find."""

    spec: RepoSpec
    commit_count: int
    annotations: str
    tags: tuple[PlannedTag, ...]
    branches: dict[str, int]
    expected: Expected
    targets: Targets


# ---------------------------------------------------------------------------------------------
# Planning


class _Artifact:
    """One artifact's life, simulated event by event (what a team of users would do)."""

    def __init__(self, name: str, rng: random.Random) -> None:
        self.name = name
        self.rng = rng
        self.counter = 0
        self.versions: list[str] = []  # registration order; index = commit slot
        self.active: dict[str, bool] = {}
        self.staged: set[str] = set()  # versions that ever got a stage tag
        # stage -> versions whose newest tag of that stage is an assignment, oldest first.
        self.in_stage: dict[str, dict[str, None]] = {stage: {} for stage in STAGES}
        self.release = (0, 0, 0)
        # (tag name, version slot or -1 for HEAD, message)
        self.events: list[tuple[str, int, str]] = []
        self.kinds: dict[str, int] = {"register": 0, "deregister": 0, "assign": 0, "unassign": 0, "deprecate": 0}

    def _message(self, default: str) -> str:
        # A few messages are multi-line, as hand-written ones often are.
        if self.rng.random() < 0.03:
            return f"{default}\n\nEvaluated on the holdout set: auc={self.rng.random():.3f}"
        return default

    def register(self, room: int = 1) -> None:
        """Register the next version; with ``room`` for two tags, sometimes a release candidate first.

        A candidate is always followed at once by its release, so a pre-release is never the
        latest version (readers agree on that without relying on pre-release rules).
        """
        if self.versions and room >= 2 and self.rng.random() < 0.06:
            major, minor, _ = self.release
            self._registration(f"v{major}.{minor + 1}.0-rc.1")
            self.release = (major, minor + 1, 0)
            self._registration(f"v{major}.{minor + 1}.0")
            return
        major, minor, patch = self.release
        roll = self.rng.random()
        if not self.versions:
            self.release = (0, 1, 0) if roll < 0.5 else (1, 0, 0)
        elif roll < 0.08:
            self.release = (major + 1, 0, 0)
        elif roll < 0.28:
            self.release = (major, minor + 1, 0)
        else:
            self.release = (major, minor, patch + 1)
        self._registration("v{}.{}.{}".format(*self.release))

    def _registration(self, version: str) -> None:
        self.versions.append(version)
        self.active[version] = True
        message = self._message(f"Registering artifact {self.name} version {version}")
        self.events.append((f"{self.name}@{version}", len(self.versions) - 1, message))
        self.kinds["register"] += 1

    def _live(self) -> list[str]:
        return [v for v in self.versions if self.active[v]]

    def assign(self) -> bool:
        stage = self.rng.choices(STAGES, weights=(5, 3, 2))[0]
        live = self._live()
        if self.rng.random() < 0.85:
            # Promotion: dev takes the newest version, the next stage what the previous one holds.
            previous = STAGES[STAGES.index(stage) - 1] if stage != STAGES[0] else None
            holders = list(self.in_stage[previous]) if previous else []
            version = holders[-1] if holders else live[-1]
        else:
            version = self.rng.choice(live)  # a rollback, or a hotfix going straight to a stage
        if version in self.in_stage[stage]:
            return False
        self.counter += 1
        self.in_stage[stage][version] = None
        self.staged.add(version)
        message = self._message(f"Assigning stage {stage} to artifact {self.name} version {version}")
        self.events.append((f"{self.name}#{stage}#{self.counter}", self.versions.index(version), message))
        self.kinds["assign"] += 1
        return True

    def unassign(self) -> bool:
        stages = [stage for stage in STAGES if self.in_stage[stage]]
        if not stages:
            return False
        stage = self.rng.choice(stages)
        version = list(self.in_stage[stage])[-1]
        del self.in_stage[stage][version]
        self.counter += 1
        message = self._message(f"Unassigning stage {stage} from artifact {self.name} version {version}")
        self.events.append((f"{self.name}#{stage}!#{self.counter}", self.versions.index(version), message))
        self.kinds["unassign"] += 1
        return True

    def deregister(self) -> bool:
        # Only released versions that never had a stage tag, and never the greatest live one,
        # so that deregistrations never change which version is the latest.
        live = self._live()
        candidates = [v for v in live[:-1] if v not in self.staged and "-" not in v]
        if not candidates:
            return False
        version = self.rng.choice(candidates)
        self.active[version] = False
        message = self._message(f"Deregistering artifact {self.name} version {version}")
        self.events.append((f"{self.name}@{version}!", self.versions.index(version), message))
        self.kinds["deregister"] += 1
        return True

    def deprecate(self) -> None:
        self.events.append((f"{self.name}@deprecated", -1, f"Deprecating artifact {self.name}"))
        self.kinds["deprecate"] += 1

    def live(self, budget: int, deprecated: bool) -> None:
        """Write ``budget`` tags, the last one a deprecation when ``deprecated``."""
        remaining = budget - 1 if deprecated else budget
        while len(self.events) < remaining:
            roll = self.rng.random()
            room = remaining - len(self.events)
            if not self.versions or roll < 0.38:
                self.register(room)
            elif roll < 0.80:
                self.assign() or self.register(room)
            elif roll < 0.90:
                self.unassign() or self.register(room)
            else:
                self.deregister() or self.register(room)
        if deprecated:
            self.deprecate()

    def expected(self, deprecated: bool) -> dict[str, Any]:
        live = self._live()
        # Versions are registered in increasing precedence, so the last live one is the greatest.
        latest = live[-1] if live else None
        assert latest is None or "-" not in latest
        stages = {stage: list(holders)[-1] for stage, holders in self.in_stage.items() if holders}
        return {"latest": latest, "deprecated": deprecated, "stages": stages, "versions": len(self.versions)}


def _budgets(total: int, count: int, rng: random.Random) -> list[int]:
    """Split ``total`` tags over ``count`` artifacts unevenly (busy and quiet artifacts), each ≥ 1."""
    weights = [rng.uniform(0.3, 1.7) for _ in range(count)]
    scale = (total - count) / sum(weights)
    budgets = [1 + int(weight * scale) for weight in weights]
    for index in range(total - sum(budgets)):
        budgets[index % count] += 1
    return budgets


def _annotation_entry(name: str, kind: str, index: int) -> str:
    return (
        f"{name}:\n"
        f"  type: {kind}\n"
        f"  path: {kind}s/{name}.{'pkl' if kind == 'model' else 'csv'}\n"
        f"  description: Benchmark {kind} number {index}\n"
        f"  labels:\n"
        f"  - bench\n"
        f"  - {'nlp' if index % 2 else 'vision'}\n"
    )


def plan_repo(spec: RepoSpec) -> RepoPlan:
    """Plan the repository of ``spec``; the same spec always gives the same plan."""
    rng = random.Random(f"gto-bench-{spec.seed}")
    count = spec.artifact_count
    width = max(4, len(str(count)))
    names = [f"{'model' if i % 3 else 'dataset'}-{i:0{width}d}" for i in range(count)]
    budgets = _budgets(spec.tags, count, rng)
    expected = Expected()
    lives: list[_Artifact] = []
    for index, (name, budget) in enumerate(zip(names, budgets, strict=True)):
        # About one artifact in twenty is deprecated, and always the second one.
        deprecated = budget >= 3 and (rng.random() < 0.05 or index == 1)
        artifact = _Artifact(name, random.Random(f"{spec.seed}-{name}"))
        artifact.live(budget, deprecated)
        lives.append(artifact)
        expected.artifacts[name] = artifact.expected(deprecated)
        expected.registrations += artifact.kinds["register"]
        expected.deregistrations += artifact.kinds["deregister"]
        expected.assignments += artifact.kinds["assign"]
        expected.unassignments += artifact.kinds["unassign"]
        expected.deprecations += artifact.kinds["deprecate"]
    expected.registry_tags = sum(len(a.events) for a in lives)
    assert expected.registry_tags == spec.tags

    # Commit 0 adds artifacts.yaml; each version of an artifact gets its own commit, the slots
    # of different artifacts shifted so that commits carry versions of several artifacts.
    commit_count = max(len(a.versions) for a in lives) + 1
    head = commit_count - 1

    # Spread each artifact's events over the whole timeline, keeping their order, then give
    # every tag of the registry its own second: no two events of an artifact ever tie.
    slots: list[tuple[float, int, int]] = []
    for number, artifact in enumerate(lives):
        positions = sorted(rng.random() for _ in artifact.events)
        slots.extend((position, number, index) for index, position in enumerate(positions))
    slots.sort()
    first_tag = _START + 60 * (commit_count + 1)
    tags: list[PlannedTag] = []
    for order, (_, number, index) in enumerate(slots):
        artifact = lives[number]
        name, slot, message = artifact.events[index]
        commit = head if slot < 0 else (number * 7 + slot) % commit_count
        tags.append(PlannedTag(name, commit, message, rng.randrange(len(AUTHORS)), first_tag + _TAG_SPACING * order))

    # Unrelated tags and branches: release tags (annotated), nightly builds (lightweight).
    others = max(6, spec.tags // 50)
    last = first_tag + _TAG_SPACING * len(tags)
    for index in range(others):
        commit = rng.randrange(commit_count)
        if index % 2:
            tags.append(PlannedTag(f"nightly-{index:06d}", commit, None))
        else:
            message = f"Release {index // 2 + 1} of the application"
            tags.append(PlannedTag(f"v{index // 2 + 1}.0.0", commit, message, 0, last + index))
    expected.other_tags = others
    branch_count = max(3, spec.tags // 5000)
    branches = {f"feature/experiment-{index:03d}": rng.randrange(commit_count) for index in range(branch_count)}
    expected.branches = len(branches) + 1  # and main

    # artifacts.yaml: most tagged artifacts, plus a few artifacts with no tags at all.
    entries = [
        _annotation_entry(name, "model" if name.startswith("model") else "dataset", index)
        for index, name in enumerate(names)
        if index % 5 != 4
    ]
    extra = max(1, count // 20)
    for index in range(extra):
        name = f"planned-{index:0{width}d}"
        entries.append(_annotation_entry(name, "model", count + index))
        expected.artifacts[name] = {"latest": None, "deprecated": False, "stages": {}, "versions": 0}
    expected.annotated_only = extra
    annotations = "# Artifacts of the benchmark registry (generated by bench/repogen.py).\n" + "".join(entries)

    targets = _targets(lives, expected)
    return RepoPlan(spec, commit_count, annotations, tuple(tags), branches, expected, targets)


def _targets(lives: list[_Artifact], expected: Expected) -> Targets:
    """The busiest artifact that is shown (not deprecated) and has a prod version."""
    ranked = sorted(lives, key=lambda a: (-len(a.events), a.name))
    for artifact in ranked:
        facts = expected.artifacts[artifact.name]
        if not facts["deprecated"] and facts["stages"]:
            stage = "prod" if "prod" in facts["stages"] else sorted(facts["stages"])[0]
            assigned = [name for name, _, _ in artifact.events if f"#{stage}#" in name]
            return Targets(artifact.name, stage, assigned[-1])
    artifact = ranked[0]
    return Targets(artifact.name, "prod", artifact.events[-1][0])


# ---------------------------------------------------------------------------------------------
# Building


def _git(path: Path, *args: str) -> None:
    result = subprocess.run(["git", "-C", os.fspath(path), *args], capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"git {args[0]} failed: {result.stderr.decode(errors='replace')}")


def build_repo(plan: RepoPlan, path: Path) -> None:
    """Write ``plan`` into a new repository at ``path`` (which must not exist or be empty)."""
    path.mkdir(parents=True, exist_ok=True)
    _git(path, "init", "--quiet", "--initial-branch=main")
    # Keep the layout as generated: no automatic gc or ref packing when tags are added later.
    _git(path, "config", "gc.auto", "0")
    _git(path, "config", "gc.autoPackLimit", "0")
    readme = b"A generated registry for gto benchmarks.\n"
    commits = add_commits(
        path, plan.commit_count, files={"artifacts.yaml": plan.annotations.encode(), "README.md": readme}
    )
    _git(path, "reset", "--quiet", "--hard")
    packed = plan.spec.layout == "packed"
    annotated = []
    for tag in plan.tags:
        if tag.message is not None:
            name, email, offset = AUTHORS[tag.author]
            annotated.append(BulkTag(tag.name, commits[tag.commit], tag.message, name, email, tag.timestamp, offset))
    add_tags(path, annotated, packed=packed)
    refs = {f"refs/tags/{tag.name}": commits[tag.commit] for tag in plan.tags if tag.message is None}
    refs.update({f"refs/heads/{name}": commits[commit] for name, commit in plan.branches.items()})
    add_refs(path, refs, packed=packed)


def manifest(plan: RepoPlan, path: Path, seconds: float) -> dict[str, Any]:
    """What the runner and the tests need to know about a built repository."""
    expected = plan.expected
    return {
        "generator_version": GENERATOR_VERSION,
        "key": plan.spec.key,
        "path": os.fspath(path),
        "spec": asdict(plan.spec) | {"artifacts": plan.spec.artifact_count},
        "build_seconds": round(seconds, 3),
        "commits": plan.commit_count,
        "counts": {
            "registry_tags": expected.registry_tags,
            "other_tags": expected.other_tags,
            "branches": expected.branches,
            "artifacts": len(expected.artifacts),
            "annotated_only": expected.annotated_only,
            "registrations": expected.registrations,
            "deregistrations": expected.deregistrations,
            "active_versions": expected.active_versions,
            "assignments": expected.assignments,
            "unassignments": expected.unassignments,
            "stage_events": expected.stage_events,
            "deprecations": expected.deprecations,
        },
        "targets": asdict(plan.targets),
        "artifacts": expected.artifacts,
    }


def ensure_repo(spec: RepoSpec, cache: Path = DEFAULT_CACHE) -> dict[str, Any]:
    """The manifest of the repository of ``spec`` under ``cache``, building it if needed.

    A repository counts as built once its manifest ``<cache>/<key>.json`` exists; a half-built
    one (interrupted run) is removed and built again. Builds go to a scratch directory first.
    """
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / spec.key
    manifest_path = cache / f"{spec.key}.json"
    if manifest_path.is_file() and path.is_dir():
        found: dict[str, Any] = json.loads(manifest_path.read_text())
        found["path"] = os.fspath(path)
        return found
    started = time.perf_counter()
    plan = plan_repo(spec)
    scratch = cache / f".building-{spec.key}-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        build_repo(plan, scratch)
        shutil.rmtree(path, ignore_errors=True)
        scratch.rename(path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result = manifest(plan, path, time.perf_counter() - started)
    temporary = manifest_path.with_suffix(".tmp")
    temporary.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    temporary.replace(manifest_path)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.repogen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tags", type=int, default=10_000, help="registry tags (default 10000)")
    parser.add_argument("--layout", choices=LAYOUTS, default="packed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--artifacts", type=int, default=None, help="default: tags / 100")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    spec = RepoSpec(args.tags, args.layout, args.seed, args.artifacts)
    found = ensure_repo(spec, args.cache_dir)
    counts = ", ".join(f"{key} {value}" for key, value in found["counts"].items())
    print(found["path"])
    print(f"built in {found['build_seconds']} s: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Queries of SPEC §5 over a computed ``RegistryState``, returning typed result values.

Pure: no git, no files, no printing. The CLI, the API and the daemon all answer through these
functions, so their answers cannot disagree. Formatting (tables, JSON shapes, emoji) belongs to
the CLI, not here.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gto.errors import ArtifactNotFoundError, UsageError, VersionNotFoundError
from gto.state import ArtifactState, Event, EventKind, RegistryState, StageAssignment, VersionState
from gto.tags import check_artifact, check_name, parse_tag
from gto.versions import parse_version, version_sort_key


class Sort(StrEnum):
    """How a stage picks its versions: by most recent assignment, or by greatest SemVer."""

    TIMESTAMP = "timestamp"
    SEMVER = "semver"


@dataclass(frozen=True, slots=True)
class ViewOptions:
    """Options shared by ``show`` and ``which`` (SPEC §3.2): ``-1`` means all."""

    assignments_per_version: int = -1
    versions_per_stage: int = 1
    sort: Sort = Sort.TIMESTAMP
    registered_only: bool = False
    deprecated: bool = False

    def __post_init__(self) -> None:
        for flag, value in (
            ("--av/--assignments-per-version", self.assignments_per_version),
            ("--vs/--versions-per-stage", self.versions_per_stage),
        ):
            if value < -1:
                raise UsageError(f"{flag} must be -1 (all) or a non-negative number, got {value}")


@dataclass(frozen=True, slots=True)
class Shortcut:
    """``NAME``, ``NAME@latest``/``@greatest``, ``NAME@vX.Y.Z`` or ``NAME#STAGE``."""

    name: str
    version: str | None = None
    latest: bool = False
    stage: str | None = None


def parse_shortcut(text: str) -> Shortcut:
    """Parse a query shortcut; ``DIR=NAME`` is accepted as the tag spelling of ``DIR:NAME``."""
    if "@" in text:
        name, _, rest = text.partition("@")
        name = _artifact_name(name)
        if rest in ("latest", "greatest"):
            return Shortcut(name, latest=True)
        parse_version(rest)
        return Shortcut(name, version=rest)
    if "#" in text:
        name, _, stage = text.partition("#")
        return Shortcut(_artifact_name(name), stage=check_name(stage, "stage name"))
    return Shortcut(_artifact_name(text))


def _artifact_name(text: str) -> str:
    return check_artifact(text.replace("=", ":", 1) if ":" not in text else text)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventInfo:
    """One history row; field names are the public ``history --json`` shape."""

    timestamp: datetime
    artifact: str
    event: str
    version: str | None
    stage: str | None
    commit: str
    author: str
    author_email: str
    message: str
    ref: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RefEvent:
    """What ``check-ref`` reports about one registry tag."""

    artifact: str
    event: str
    version: str | None = None
    stage: str | None = None
    created_at: datetime
    author: str
    author_email: str
    message: str
    commit_hexsha: str
    tag: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionInfo:
    """One version row of ``show NAME``; ``stages`` are those the version is shown in."""

    artifact: str
    version: str
    stages: tuple[str, ...]
    created_at: datetime
    ref: str
    commit: str
    registered: bool
    active: bool
    author: str
    author_email: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StageInfo:
    """A version in a stage, with the assignment tag that put it there."""

    artifact: str
    stage: str
    version: str
    assigned_at: datetime
    ref: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactInfo:
    """One row of the registry view."""

    name: str
    latest: str | None
    stages: dict[str, tuple[str, ...]]
    registered: bool
    deprecated: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryView:
    """The registry view: one row per artifact, sorted by name, and the stage columns."""

    artifacts: tuple[ArtifactInfo, ...]
    stages: tuple[str, ...]


def get_artifact(state: RegistryState, name: str) -> ArtifactState:
    """The artifact, or ``ArtifactNotFoundError`` with the message of SPEC §4."""
    artifact = state.artifacts.get(name)
    if artifact is None:
        raise ArtifactNotFoundError(f"Cannot find artifact '{name}'")
    return artifact


def get_version(artifact: ArtifactState, version: str, active_only: bool = True) -> VersionState:
    """A registered version of the artifact, or ``VersionNotFoundError``."""
    found = artifact.version(version)
    if found is None or (active_only and not found.active):
        raise VersionNotFoundError(f"Version '{version}' of artifact '{artifact.name}' is not registered")
    return found


def _candidates(artifact: ArtifactState, options: ViewOptions) -> list[VersionState]:
    return [v for v in artifact.versions if v.active and (v.registered or not options.registered_only)]


def stage_versions(
    artifact: ArtifactState, options: ViewOptions
) -> dict[str, list[tuple[VersionState, StageAssignment]]]:
    """For each active stage, the versions in it, in the order ``options.sort`` gives.

    ``--av`` first trims each version's stages to its most recent assignments; ``--vs`` then
    trims each stage's versions.
    """
    by_stage: dict[str, list[tuple[VersionState, StageAssignment]]] = {}
    limit = options.assignments_per_version
    for version in _candidates(artifact, options):
        kept = version.stages if limit == -1 else version.stages[:limit]
        for assignment in kept:
            by_stage.setdefault(assignment.stage, []).append((version, assignment))
    key = _by_semver if options.sort is Sort.SEMVER else _by_assignment
    keep = options.versions_per_stage
    for stage, entries in by_stage.items():
        if keep == -1:
            entries.sort(key=key, reverse=True)
        else:
            # The same as sorting and cutting (ties keep their order), without sorting every
            # version of a busy stage to keep one of them.
            by_stage[stage] = heapq.nlargest(keep, entries, key=key)
    return by_stage


def _by_semver(pair: tuple[VersionState, StageAssignment]) -> tuple[object, ...]:
    return version_sort_key(pair[0].version)


def _by_assignment(pair: tuple[VersionState, StageAssignment]) -> tuple[datetime, int, str]:
    return pair[1].order_key


def stage_columns(state: RegistryState, configured: Sequence[str] | None) -> tuple[str, ...]:
    """The stage columns: the configured stages in config order, else every active stage, sorted."""
    if configured:
        return tuple(configured)
    used = {a.stage for artifact in state.artifacts.values() for v in artifact.versions if v.active for a in v.stages}
    return tuple(sorted(used))


def show_registry(
    state: RegistryState, options: ViewOptions, configured_stages: Sequence[str] | None = None
) -> RegistryView:
    """The registry view: latest version and the versions in each stage, per artifact."""
    rows = []
    for name in sorted(state.artifacts):
        artifact = state.artifacts[name]
        if artifact.deprecated and not options.deprecated:
            continue
        in_stage = stage_versions(artifact, options)
        latest = artifact.latest
        rows.append(
            ArtifactInfo(
                name=name,
                latest=latest.version if latest else None,
                stages={stage: tuple(v.version for v, _ in pairs) for stage, pairs in sorted(in_stage.items())},
                registered=artifact.registered,
                deprecated=artifact.deprecated,
            )
        )
    return RegistryView(artifacts=tuple(rows), stages=stage_columns(state, configured_stages))


def show_artifact(state: RegistryState, shortcut: Shortcut, options: ViewOptions) -> list[VersionInfo]:
    """The versions of one artifact (or the one a shortcut names), greatest SemVer first."""
    artifact = get_artifact(state, shortcut.name)
    in_stage = stage_versions(artifact, options)
    shown_in: dict[str, list[str]] = {}
    for stage, pairs in in_stage.items():
        for version, _ in pairs:
            shown_in.setdefault(version.version, []).append(stage)
    versions = _candidates(artifact, options)
    if shortcut.latest:
        latest = artifact.latest
        versions = [latest] if latest else []
    elif shortcut.version:
        versions = [v for v in versions if v.version == shortcut.version]
    elif shortcut.stage:
        versions = [v for v, _ in in_stage.get(shortcut.stage, [])]
    rows = []
    for version in versions:
        # Stages keep the version's own order: the most recently assigned first.
        order = [a.stage for a in version.stages]
        stages = tuple(sorted(shown_in.get(version.version, []), key=order.index))
        rows.append(
            VersionInfo(
                artifact=artifact.name,
                version=version.version,
                stages=stages,
                created_at=version.created_at,
                ref=version.ref,
                commit=version.commit,
                registered=version.registered,
                active=version.active,
                author=version.author,
                author_email=version.author_email,
            )
        )
    return rows


def which(state: RegistryState, name: str, stage: str, options: ViewOptions) -> list[StageInfo]:
    """The version(s) in ``stage``, as ``--vs`` and ``--sort`` select them."""
    artifact = get_artifact(state, name)
    pairs = stage_versions(artifact, options).get(stage, [])
    return [
        StageInfo(
            artifact=name,
            stage=stage,
            version=version.version,
            assigned_at=assignment.assigned_at,
            ref=assignment.event.tag or "",
        )
        for version, assignment in pairs
    ]


def latest(state: RegistryState, name: str) -> VersionInfo | None:
    """The greatest active registered version, or None."""
    rows = show_artifact(state, Shortcut(name, latest=True), ViewOptions(versions_per_stage=-1))
    return rows[0] if rows else None


def _event_info(event: Event) -> EventInfo:
    return EventInfo(
        timestamp=event.created_at,
        artifact=event.artifact,
        event=event.kind.value,
        version=event.version,
        stage=event.stage,
        commit=event.commit,
        author=event.author,
        author_email=event.author_email,
        message=event.message,
        ref=event.tag,
    )


def history(
    state: RegistryState,
    shortcut: Shortcut | None,
    commit_events: Iterable[Event] = (),
    ascending: bool = False,
) -> list[EventInfo]:
    """Every event of the registry, of one artifact, or of one of its versions or stages.

    ``commit_events`` come from ``artifacts.yaml`` history, which the caller reads from git.
    """
    if shortcut is None:
        events = [e for artifact in state.artifacts.values() for e in artifact.events]
        events.extend(commit_events)
    else:
        artifact = get_artifact(state, shortcut.name)
        events = list(artifact.events)
        events.extend(e for e in commit_events if e.artifact == artifact.name)
        if shortcut.latest:
            latest_version = artifact.latest
            events = [e for e in events if latest_version and e.version == latest_version.version]
        elif shortcut.version:
            events = [e for e in events if e.version == shortcut.version]
        elif shortcut.stage:
            events = [e for e in events if e.stage == shortcut.stage]
    events.sort(key=lambda e: e.sort_key, reverse=not ascending)
    return [_event_info(event) for event in events]


def commit_events(artifact: ArtifactState, commits: Iterable[tuple[str, datetime, str, str, str]]) -> list[Event]:
    """Commit events for the version commits whose ``artifacts.yaml`` lists the artifact.

    ``commits`` holds (hexsha, time, author, author e-mail, message) of those commits.
    """
    by_commit = {v.commit: v.version for v in artifact.versions}
    return [
        Event(
            kind=EventKind.COMMIT,
            artifact=artifact.name,
            version=by_commit.get(hexsha),
            stage=None,
            created_at=when,
            author=author,
            author_email=email,
            message=message,
            commit=hexsha,
            tag=None,
        )
        for hexsha, when, author, email, message in commits
    ]


def check_ref(state: RegistryState, ref: str) -> RefEvent | None:
    """The event a registry tag records; None for a tag that is not a registry event."""
    tag = ref[len("refs/tags/") :] if ref.startswith("refs/tags/") else ref
    if parse_tag(tag) is None:
        return None
    event = state.events_by_tag.get(tag)
    if event is None:
        return None
    return RefEvent(
        artifact=event.artifact,
        event=event.kind.value,
        version=event.version,
        stage=event.stage,
        created_at=event.created_at,
        author=event.author,
        author_email=event.author_email,
        message=event.message,
        commit_hexsha=event.commit,
        tag=tag,
    )


def used_stages(state: RegistryState) -> tuple[str, ...]:
    """Every stage named by a stage tag, sorted."""
    return tuple(
        sorted({e.stage for artifact in state.artifacts.values() for e in artifact.events if e.stage is not None})
    )


def stages(
    state: RegistryState, configured: Sequence[str] | None, *, allowed: bool = False, used: bool = False
) -> tuple[str, ...]:
    """``stages``: the allowed stages, the used ones, or by default the allowed else the used."""
    if allowed and used:
        raise UsageError("Use either --allowed or --used, not both")
    if allowed:
        return tuple(configured or ())
    if used:
        return used_stages(state)
    return tuple(configured) if configured else used_stages(state)

"""Registry state (SPEC §3): a pure function of tag records, annotations and config.

``compute_state`` reads nothing and writes nothing: it takes the ``TagRecord`` values that
``gto.git`` produced and the annotations at HEAD, and returns immutable values. The result does
not depend on the order of the records. State is built artifact by artifact
(``build_artifact``) so that a caller holding the registry in memory can rebuild only the
artifacts whose tags changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from gto.annotations import Annotation
from gto.tags import Action, ParsedTag, TagRecord, parse_tag
from gto.versions import is_version, version_sort_key


class EventKind(StrEnum):
    """The kinds of registry events, as named in history output."""

    COMMIT = "commit"
    DEPRECATION = "deprecation"
    REGISTRATION = "registration"
    DEREGISTRATION = "deregistration"
    ASSIGNMENT = "assignment"
    UNASSIGNMENT = "unassignment"


# History orders events of equal time by this priority (SPEC §3.2).
KIND_PRIORITY = {
    EventKind.COMMIT: 0,
    EventKind.DEPRECATION: 1,
    EventKind.REGISTRATION: 2,
    EventKind.DEREGISTRATION: 3,
    EventKind.ASSIGNMENT: 4,
    EventKind.UNASSIGNMENT: 5,
}

_KIND_OF_ACTION = {
    Action.REGISTER: EventKind.REGISTRATION,
    Action.DEREGISTER: EventKind.DEREGISTRATION,
    Action.ASSIGN: EventKind.ASSIGNMENT,
    Action.UNASSIGN: EventKind.UNASSIGNMENT,
    Action.DEPRECATE: EventKind.DEPRECATION,
}


@dataclass(frozen=True, slots=True)
class Event:
    """One registry fact. ``version`` is the SemVer name or, for an unregistered commit, its hexsha.

    ``tag`` is None only for commit events, which come from ``artifacts.yaml`` history.
    """

    kind: EventKind
    artifact: str
    version: str | None
    stage: str | None
    created_at: datetime
    author: str
    author_email: str
    message: str
    commit: str
    tag: str | None
    counter: int | None = None

    @property
    def sort_key(self) -> tuple[datetime, int, str, str, str]:
        """Ascending history order: time, then kind priority, then tag name.

        Commit events have no tag, so artifact and version make the order total.
        """
        return (self.created_at, KIND_PRIORITY[self.kind], self.tag or "", self.artifact, self.version or "")


@dataclass(frozen=True, slots=True)
class StageAssignment:
    """An active stage of a version; ``event`` is the assignment that made it active."""

    stage: str
    event: Event

    @property
    def assigned_at(self) -> datetime:
        return self.event.created_at

    @property
    def order_key(self) -> tuple[datetime, int, str]:
        """Most recent assignment last: by time, then by counter (numerically), then tag name."""
        return (self.event.created_at, self.event.counter or 0, self.event.tag or "")


@dataclass(frozen=True, slots=True)
class VersionState:
    """One version of an artifact.

    ``registered`` means it is named by a registration tag; otherwise ``version`` is the commit
    hexsha that stage tags point at. ``active`` is False once deregistered. ``stages`` holds
    the active stages, most recently assigned first; it is empty for inactive versions.
    """

    artifact: str
    version: str
    commit: str
    registered: bool
    active: bool
    created_at: datetime
    author: str
    author_email: str
    ref: str
    events: tuple[Event, ...]
    stages: tuple[StageAssignment, ...]


@dataclass(frozen=True, slots=True)
class ArtifactState:
    """One artifact: its versions in registry order (greatest SemVer first, hexshas last)."""

    name: str
    versions: tuple[VersionState, ...]
    events: tuple[Event, ...]
    deprecated: bool
    annotation: Annotation | None

    @property
    def registered(self) -> bool:
        """Whether any version is named by a registration that still stands."""
        return any(version.registered and version.active for version in self.versions)

    @property
    def latest(self) -> VersionState | None:
        """The greatest SemVer among active registered versions (not the newest in time)."""
        for version in self.versions:
            if version.registered and version.active:
                return version
        return None

    def version(self, name: str) -> VersionState | None:
        for version in self.versions:
            if version.version == name:
                return version
        return None


class ProblemKind(StrEnum):
    """What ``doctor`` reports about tags that state had to leave out or resolve by a rule."""

    LIGHTWEIGHT = "lightweight"
    NOT_A_COMMIT = "not_a_commit"
    UNPARSEABLE = "unparseable"
    TWO_VERSIONS_ON_COMMIT = "two_versions_on_commit"
    STAGE_ON_DEREGISTERED = "stage_on_deregistered"


@dataclass(frozen=True, slots=True)
class TagProblem:
    """A tag that does not count as written, or a conflict that state resolved by a rule."""

    kind: ProblemKind
    tag: str
    message: str


@dataclass(frozen=True, slots=True)
class TagEvent:
    """A parsed annotated registry tag before its stage events are attached to a version."""

    parsed: ParsedTag
    record: TagRecord


@dataclass(frozen=True)
class RegistryState:
    """The whole registry. ``events_by_tag`` serves check-ref without scanning."""

    artifacts: Mapping[str, ArtifactState]
    events_by_tag: Mapping[str, Event]
    problems: tuple[TagProblem, ...] = ()
    tag_count: int = 0
    # Problems per artifact are kept apart so that an incremental rebuild can replace them.
    artifact_problems: Mapping[str, tuple[TagProblem, ...]] = field(default_factory=dict)


def _looks_like_registry_tag(name: str) -> bool:
    # Names with GTO's separators that still fail the grammar are worth a doctor line:
    # `churn@created`, `churn@1.0.0`, `Churn#prod#x`.
    return ("@" in name or "#" in name) and not name.startswith(("@", "#"))


def classify_records(records: Iterable[TagRecord]) -> tuple[dict[str, list[TagEvent]], list[TagProblem]]:
    """Split records into registry tags grouped by artifact, and the tags that do not count.

    Non-registry tags are skipped silently unless they look like a mistyped registry tag.
    """
    grouped: dict[str, list[TagEvent]] = {}
    problems: list[TagProblem] = []
    for record in records:
        parsed = parse_tag(record.name)
        if parsed is None:
            if _looks_like_registry_tag(record.name):
                problems.append(
                    TagProblem(
                        ProblemKind.UNPARSEABLE,
                        record.name,
                        f"Tag '{record.name}' looks like a registry tag but matches no GTO tag shape",
                    )
                )
            continue
        if not record.annotated:
            problems.append(
                TagProblem(
                    ProblemKind.LIGHTWEIGHT,
                    record.name,
                    f"Tag '{record.name}' is lightweight: CI may act on it, but the registry ignores it"
                    " (recreate it with 'git tag -a')",
                )
            )
            continue
        if record.commit is None or record.created_at is None:
            problems.append(
                TagProblem(
                    ProblemKind.NOT_A_COMMIT,
                    record.name,
                    f"Tag '{record.name}' does not point to a commit or has no tagger date",
                )
            )
            continue
        grouped.setdefault(parsed.artifact, []).append(TagEvent(parsed, record))
    return grouped, problems


def _newest(events: Sequence[Event], winner: EventKind) -> Event | None:
    """The newest event; among events of the newest time, one of kind ``winner`` wins."""
    best: Event | None = None
    for event in events:
        if best is None or event.created_at > best.created_at:
            best = event
        elif event.created_at == best.created_at and event.kind is winner and best.kind is not winner:
            best = event
    return best


def build_artifact(
    name: str, tag_events: Sequence[TagEvent], annotation: Annotation | None
) -> tuple[ArtifactState, tuple[TagProblem, ...]]:
    """Build one artifact from its annotated registry tags (any order) and its annotation."""
    ordered = sorted(tag_events, key=lambda item: (item.record.created_at, item.record.name))
    problems: list[TagProblem] = []

    # Registrations name versions; remember which versions sit on which commit.
    version_commit: dict[str, str] = {}
    versions_at_commit: dict[str, list[str]] = {}
    for item in ordered:
        parsed, record = item.parsed, item.record
        if parsed.action is Action.REGISTER and parsed.version not in version_commit:
            assert parsed.version is not None and record.commit is not None
            version_commit[parsed.version] = record.commit
            versions_at_commit.setdefault(record.commit, []).append(parsed.version)

    events: list[Event] = []
    per_version: dict[str, list[Event]] = {}
    for item in ordered:
        parsed, record = item.parsed, item.record
        commit = record.commit
        assert commit is not None and record.created_at is not None
        if parsed.action in (Action.REGISTER, Action.DEREGISTER):
            version: str | None = parsed.version
        elif parsed.action in (Action.ASSIGN, Action.UNASSIGN):
            version = None  # resolved below, once activity of every version is known
        else:
            version = None
        event = Event(
            kind=_KIND_OF_ACTION[parsed.action],
            artifact=name,
            version=version,
            stage=parsed.stage,
            created_at=record.created_at,
            author=record.tagger_name,
            author_email=record.tagger_email,
            message=record.message,
            commit=commit,
            tag=record.name,
            counter=parsed.counter,
        )
        events.append(event)
        if version is not None:
            per_version.setdefault(version, []).append(event)

    active: dict[str, bool] = {}
    for version, version_events in per_version.items():
        newest = _newest(
            [e for e in version_events if e.kind in (EventKind.REGISTRATION, EventKind.DEREGISTRATION)],
            EventKind.DEREGISTRATION,
        )
        active[version] = newest is not None and newest.kind is EventKind.REGISTRATION

    # Attach every stage event to the version registered at its commit, even a later one.
    owner_at_commit: dict[str, str] = {}
    for commit, names in versions_at_commit.items():
        ranked = sorted(names, key=lambda v: (active.get(v, False), version_sort_key(v)), reverse=True)
        owner_at_commit[commit] = ranked[0]
        live = [v for v in names if active.get(v, False)]
        if len(live) > 1:
            problems.append(
                TagProblem(
                    ProblemKind.TWO_VERSIONS_ON_COMMIT,
                    f"{name}@{ranked[0]}",
                    f"Artifact '{name}' has versions {', '.join(sorted(live, key=version_sort_key))}"
                    f" registered on one commit {commit[:7]}; stage tags attach to {ranked[0]}",
                )
            )
    for index, event in enumerate(events):
        if event.kind in (EventKind.ASSIGNMENT, EventKind.UNASSIGNMENT):
            version = owner_at_commit.get(event.commit, event.commit)
            resolved = _with_version(event, version)
            events[index] = resolved
            per_version.setdefault(version, []).append(resolved)
            if version not in active:
                active[version] = True  # an unregistered commit version cannot be deregistered
            elif (
                not active[version]
                and event.kind is EventKind.ASSIGNMENT
                and _after_deregistration(event, per_version[version])
            ):
                # Only an assignment made after the deregistration is a mistake worth a line:
                # stages assigned earlier simply stopped counting, as SPEC §3.2 says.
                problems.append(
                    TagProblem(
                        ProblemKind.STAGE_ON_DEREGISTERED,
                        event.tag or "",
                        f"Tag '{event.tag}' assigns a stage to deregistered version {version}",
                    )
                )

    versions = [
        _build_version(name, version, version_commit.get(version), version_events, active[version])
        for version, version_events in per_version.items()
    ]
    versions.sort(key=lambda v: version_sort_key(v.version), reverse=True)

    deprecated = False
    if events:
        # Deprecated when a deprecation is among the newest events and no version event is:
        # at equal time version events win, and any later version event revives the artifact.
        last_time = max(e.created_at for e in events)
        newest_kinds = {e.kind for e in events if e.created_at == last_time}
        deprecated = newest_kinds == {EventKind.DEPRECATION}
    events.sort(key=lambda e: e.sort_key)
    state = ArtifactState(
        name=name,
        versions=tuple(versions),
        events=tuple(events),
        deprecated=deprecated,
        annotation=annotation,
    )
    return state, tuple(problems)


def _after_deregistration(event: Event, version_events: Sequence[Event]) -> bool:
    deregistrations = [e.created_at for e in version_events if e.kind is EventKind.DEREGISTRATION]
    return bool(deregistrations) and event.created_at > max(deregistrations)


def _with_version(event: Event, version: str) -> Event:
    return Event(
        kind=event.kind,
        artifact=event.artifact,
        version=version,
        stage=event.stage,
        created_at=event.created_at,
        author=event.author,
        author_email=event.author_email,
        message=event.message,
        commit=event.commit,
        tag=event.tag,
        counter=event.counter,
    )


def _build_version(
    artifact: str, version: str, registered_commit: str | None, events: list[Event], active: bool
) -> VersionState:
    events.sort(key=lambda e: e.sort_key)
    registered = registered_commit is not None and is_version(version)
    registrations = [e for e in events if e.kind is EventKind.REGISTRATION]
    # The version was created by its first registration, or by its first stage tag.
    origin = registrations[0] if registrations else events[0]
    ref_event = registrations[-1] if registrations else events[0]
    stages: list[StageAssignment] = []
    if active:
        by_stage: dict[str, list[Event]] = {}
        for event in events:
            if event.stage is not None:
                by_stage.setdefault(event.stage, []).append(event)
        for stage, stage_events in by_stage.items():
            newest = _newest(stage_events, EventKind.UNASSIGNMENT)
            if newest is not None and newest.kind is EventKind.ASSIGNMENT:
                stages.append(StageAssignment(stage, newest))
        stages.sort(key=lambda s: s.order_key, reverse=True)
    return VersionState(
        artifact=artifact,
        version=version,
        commit=registered_commit or origin.commit,
        registered=registered,
        active=active,
        created_at=origin.created_at,
        author=origin.author,
        author_email=origin.author_email,
        ref=ref_event.tag or "",
        events=tuple(events),
        stages=tuple(stages),
    )


def compute_state(records: Iterable[TagRecord], annotations: Mapping[str, Annotation]) -> RegistryState:
    """Build the registry from every tag record and the annotations at HEAD.

    Artifacts listed only in annotations exist with no versions ("annotated only").
    """
    record_list = list(records)
    grouped, problems = classify_records(record_list)
    artifacts: dict[str, ArtifactState] = {}
    events_by_tag: dict[str, Event] = {}
    artifact_problems: dict[str, tuple[TagProblem, ...]] = {}
    for name in sorted(set(grouped) | set(annotations)):
        state, found = build_artifact(name, grouped.get(name, ()), annotations.get(name))
        artifacts[name] = state
        if found:
            artifact_problems[name] = found
        for event in state.events:
            if event.tag is not None:
                events_by_tag[event.tag] = event
    # Problems are sorted so that the state does not depend on the order git listed the tags in.
    found_problems = problems + [p for name in artifact_problems for p in artifact_problems[name]]
    all_problems = tuple(sorted(found_problems, key=lambda p: (p.tag, p.kind.value, p.message)))
    return RegistryState(
        artifacts=artifacts,
        events_by_tag=events_by_tag,
        problems=all_problems,
        tag_count=len(record_list),
        artifact_problems=artifact_problems,
    )

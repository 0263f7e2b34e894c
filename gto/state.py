"""Registry state (SPEC §3): a pure function of tag records, annotations and config.

``compute_state`` reads nothing and writes nothing: it takes the ``TagRecord`` values that
``gto.git`` produced and the annotations at HEAD, and returns immutable values. The result does
not depend on the order of the records. State is built artifact by artifact
(``build_artifact``) so that a caller holding the registry in memory can rebuild only the
artifacts whose tags changed: ``update_state`` does that, and gives the same state as
``compute_state`` on the new records.
"""

from __future__ import annotations

import operator
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from gto.annotations import Annotation
from gto.tags import Action, ParsedTag, TagRecord, parse_tag, parse_tag_parts, tag_artifact
from gto.versions import version_sort_key


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


class Event(NamedTuple):
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


class StageAssignment(NamedTuple):
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


class VersionState(NamedTuple):
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


# The kind priority of each tag action, for history keys.
_PRIORITY_OF_ACTION = {action: KIND_PRIORITY[kind] for action, kind in _KIND_OF_ACTION.items()}

_REGISTER, _DEREGISTER, _ASSIGN, _DEPRECATE = Action.REGISTER, Action.DEREGISTER, Action.ASSIGN, Action.DEPRECATE
_REGISTRATION, _ASSIGNMENT, _UNASSIGNMENT = EventKind.REGISTRATION, EventKind.ASSIGNMENT, EventKind.UNASSIGNMENT

# A registry tag as an artifact's build reads it: its history key (``Event.sort_key`` with the
# time as a POSIX timestamp, then a unique index, so that sorting these tuples puts the tags in
# history order and never compares the rest), then action, version, stage, counter and record.
_Tag = tuple[float, int, str, int, Action, str | None, str | None, int | None, TagRecord]


def _looks_like_registry_tag(name: str) -> bool:
    # Names with GTO's separators that still fail the grammar are worth a doctor line:
    # `churn@created`, `churn@1.0.0`, `Churn#prod#x`.
    return ("@" in name or "#" in name) and not name.startswith(("@", "#"))


def classify_records(records: Iterable[TagRecord]) -> tuple[dict[str, list[TagEvent]], list[TagProblem]]:
    """Split records into registry tags grouped by artifact, and the tags that do not count.

    Non-registry tags are skipped silently unless they look like a mistyped registry tag.
    """
    grouped, problems = _classify(records)
    return {
        artifact: [TagEvent(ParsedTag(artifact, *tag[4:8]), tag[8]) for tag in tags]
        for artifact, tags in grouped.items()
    }, problems


def _classify(
    records: Iterable[TagRecord], start: int = 0, times: Sequence[float | None] | None = None
) -> tuple[dict[str, list[_Tag]], list[TagProblem]]:
    """``classify_records`` with each tag's history key: a full read builds no ``TagEvent`` per tag.

    ``start`` is the index of the first record among all those read (the key's unique index).
    ``times`` are the records' tagger dates in seconds, when the reader has them (see
    ``git.list_tags``); otherwise they are taken from ``created_at``.
    """
    grouped: dict[str, list[_Tag]] = {}
    problems: list[TagProblem] = []
    priorities = _PRIORITY_OF_ACTION
    if times is None:
        records = list(records)
        times = [_seconds(record.created_at) for record in records]
    for index, (record, when) in enumerate(zip(records, times, strict=True), start):
        name = record.name
        parts = parse_tag_parts(name)
        if parts is None:
            if _looks_like_registry_tag(name):
                problems.append(
                    TagProblem(
                        ProblemKind.UNPARSEABLE,
                        name,
                        f"Tag '{name}' looks like a registry tag but matches no GTO tag shape",
                    )
                )
            continue
        if not record.annotated:
            problems.append(
                TagProblem(
                    ProblemKind.LIGHTWEIGHT,
                    name,
                    f"Tag '{name}' is lightweight: CI may act on it, but the registry ignores it"
                    " (recreate it with 'git tag -a')",
                )
            )
            continue
        if record.commit is None or when is None:
            problems.append(
                TagProblem(
                    ProblemKind.NOT_A_COMMIT,
                    name,
                    f"Tag '{name}' does not point to a commit or has no tagger date",
                )
            )
            continue
        artifact, action, version, stage, counter = parts
        tag = (when, priorities[action], name, index, action, version, stage, counter, record)
        group = grouped.get(artifact)
        if group is None:
            grouped[artifact] = [tag]
        else:
            group.append(tag)
    return grouped, problems


def _seconds(created_at: datetime | None) -> float | None:
    return created_at.timestamp() if created_at is not None else None


def build_artifact(
    name: str, tag_events: Sequence[TagEvent], annotation: Annotation | None
) -> tuple[ArtifactState, tuple[TagProblem, ...]]:
    """Build one artifact from its annotated registry tags (any order) and its annotation."""
    tags: list[_Tag] = []
    for index, item in enumerate(tag_events):
        parsed, record = item.parsed, item.record
        assert record.created_at is not None
        when = record.created_at.timestamp()
        priority = _PRIORITY_OF_ACTION[parsed.action]
        tags.append(
            (when, priority, record.name, index, parsed.action, parsed.version, parsed.stage, parsed.counter, record)
        )
    return _build_artifact(name, tags, annotation)


def _build_artifact(
    name: str, tags: list[_Tag], annotation: Annotation | None
) -> tuple[ArtifactState, tuple[TagProblem, ...]]:
    """``build_artifact`` on the tags with their history keys, in any order (the list gets sorted).

    This runs once per artifact on every full read (100,000 tags on big registries), hence its
    plain style: it sorts the tags once, in history order, which is also the order of every
    version's events; it settles which version each stage tag belongs to before making any
    event, so that every tag becomes exactly one ``Event``.
    """
    # Times are compared as POSIX timestamps: the order is the same (tag dates have whole
    # seconds), and comparing datetimes with different UTC offsets costs several times more.
    tags.sort()
    problems: list[TagProblem] = []

    # Registrations name versions; remember which versions sit on which commit. For every version
    # keep the kind of its newest registration/deregistration (at equal time a deregistration
    # wins) and the time of its last deregistration.
    version_commit: dict[str, str] = {}
    versions_at_commit: dict[str, list[str]] = {}
    newest_kind: dict[str, tuple[float, Action]] = {}
    last_deregistration: dict[str, float] = {}
    for tag in tags:
        action = tag[4]
        if action is _REGISTER:
            when, named, commit = tag[0], tag[5], tag[8].commit
            assert named is not None and commit is not None
            if named not in version_commit:
                version_commit[named] = commit
                versions_at_commit.setdefault(commit, []).append(named)
        elif action is _DEREGISTER:
            when, named = tag[0], tag[5]
            assert named is not None
            last_deregistration[named] = when
        else:
            continue
        known = newest_kind.get(named)
        if known is None or when > known[0] or (when == known[0] and action is _DEREGISTER):
            newest_kind[named] = (when, action)
    active = {named: kind is _REGISTER for named, (_, kind) in newest_kind.items()}

    # Stage tags attach to the version registered at their commit, even a later one.
    owner_at_commit: dict[str, str] = {}
    for commit, names in versions_at_commit.items():
        if len(names) == 1:
            owner_at_commit[commit] = names[0]
            continue
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

    # Every tag becomes one event; the tags are in history order, so the events are too. Only
    # stage tags (assignments and unassignments) name a stage.
    events: list[Event] = []
    per_version: dict[str, list[Event]] = {}
    kinds = _KIND_OF_ACTION
    new = tuple.__new__  # a named tuple's own constructor is a Python function: twice the cost
    for when, _, tag_name, _, action, named, stage, counter, record in tags:
        # ``_classify`` admits only records with a commit and a date.
        _, _, tagged, author, email, created_at, message = record
        if stage is not None:
            version: str | None = owner_at_commit.get(tagged, tagged)  # type: ignore[arg-type]
        elif action is _DEPRECATE:
            version = None
        else:
            version = named
        event: Event = new(
            Event, (kinds[action], name, version, stage, created_at, author, email, message, tagged, tag_name, counter)
        )
        events.append(event)
        if version is None:
            continue
        version_events = per_version.get(version)
        if version_events is None:
            per_version[version] = [event]
        else:
            version_events.append(event)
        if stage is None:
            continue
        if version not in active:
            active[version] = True  # an unregistered commit version cannot be deregistered
        elif action is _ASSIGN and not active[version]:
            # Only an assignment made after the deregistration is a mistake worth a line:
            # stages assigned earlier simply stopped counting, as SPEC §3.2 says.
            deregistered = last_deregistration.get(version)
            if deregistered is not None and when > deregistered:
                problems.append(
                    TagProblem(
                        ProblemKind.STAGE_ON_DEREGISTERED,
                        tag_name,
                        f"Tag '{tag_name}' assigns a stage to deregistered version {version}",
                    )
                )

    # Registry order: greatest SemVer first, hexsha versions last.
    versions = [
        _build_version(name, version, version_commit.get(version), per_version[version], active[version])
        for version in sorted(per_version, key=version_sort_key, reverse=True)
    ]

    deprecated = False
    if tags:
        # Deprecated when a deprecation is among the newest events and no version event is:
        # at equal time version events win, and any later version event revives the artifact.
        last_time = tags[-1][0]
        newest_kinds = set()
        position = len(tags) - 1
        while position >= 0 and tags[position][0] == last_time:
            newest_kinds.add(events[position].kind)
            position -= 1
        deprecated = newest_kinds == {EventKind.DEPRECATION}
    state = ArtifactState(
        name=name,
        versions=tuple(versions),
        events=tuple(events),
        deprecated=deprecated,
        annotation=annotation,
    )
    return state, tuple(problems)


def _build_version(
    artifact: str,
    version: str,
    registered_commit: str | None,
    events: list[Event],
    active: bool,
) -> VersionState:
    """One version from its events in history order.

    Only registrations give a version a commit of its own, and only names in the version grammar
    are registered: ``registered_commit`` says whether the version is a registered one.
    This runs once per version (50,000 times on big registries), hence its plain style.
    """
    first_registration: Event | None = None
    last_registration: Event | None = None
    # Each stage's deciding event: the newest one; among the newest, an unassignment over an
    # assignment, else the first (SPEC §3.2). The events come in history order, so a later one
    # is newer unless its time is the same.
    deciding: dict[str, Event] = {}
    for event in events:
        kind = event.kind
        if kind is _REGISTRATION:
            if first_registration is None:
                first_registration = event
            last_registration = event
        elif kind is _ASSIGNMENT or kind is _UNASSIGNMENT:
            stage = event.stage
            assert stage is not None
            best = deciding.get(stage)
            if (
                best is None
                or (kind is _UNASSIGNMENT and best.kind is not _UNASSIGNMENT)
                or event.created_at != best.created_at
            ):
                deciding[stage] = event
    # The version was created by its first registration, or by its first stage tag.
    origin = first_registration or events[0]
    ref_event = last_registration or events[0]
    stages: tuple[StageAssignment, ...] = ()
    if active and deciding:
        found: list[StageAssignment] = [
            tuple.__new__(StageAssignment, item) for item in deciding.items() if item[1].kind is _ASSIGNMENT
        ]
        if len(found) > 1:
            found.sort(key=_assignment_order, reverse=True)
        stages = tuple(found)
    # A named tuple's own constructor is a Python function: ``tuple.__new__`` costs half as much.
    state: VersionState = tuple.__new__(
        VersionState,
        (
            artifact,
            version,
            registered_commit or origin.commit,
            registered_commit is not None,
            active,
            origin.created_at,
            origin.author,
            origin.author_email,
            ref_event.tag or "",
            tuple(events),
            stages,
        ),
    )
    return state


def _assignment_order(assignment: StageAssignment) -> tuple[datetime, int, str]:
    return assignment.order_key


def compute_state(records: Iterable[TagRecord], annotations: Mapping[str, Annotation]) -> RegistryState:
    """Build the registry from every tag record and the annotations at HEAD.

    Artifacts listed only in annotations exist with no versions ("annotated only").
    """
    record_list = list(records)
    grouped, problems = _classify(record_list)
    built = {
        name: _build_artifact(name, grouped.get(name, []), annotations.get(name))
        for name in sorted(set(grouped) | set(annotations))
    }
    return _assemble(built, problems, len(record_list))


_tag_of = operator.attrgetter("tag")


def _assemble(
    built: Mapping[str, tuple[ArtifactState, tuple[TagProblem, ...]]], problems: list[TagProblem], tag_count: int
) -> RegistryState:
    """The registry of the artifacts ``built`` (in name order) and the problems of single records."""
    events_by_tag: dict[str, Event] = {}
    artifact_problems: dict[str, tuple[TagProblem, ...]] = {}
    for name, (state, found) in built.items():
        if found:
            artifact_problems[name] = found
        # Every event of the state comes from a tag (commit events are made by queries).
        events_by_tag.update(zip(map(_tag_of, state.events), state.events, strict=True))
    # Problems are sorted so that the state does not depend on the order git listed the tags in.
    found_problems = problems + [p for name in artifact_problems for p in artifact_problems[name]]
    all_problems = tuple(sorted(found_problems, key=lambda p: (p.tag, p.kind.value, p.message)))
    return RegistryState(
        artifacts={name: state for name, (state, _) in built.items()},
        events_by_tag=events_by_tag,
        problems=all_problems,
        tag_count=tag_count,
        artifact_problems=artifact_problems,
    )


class StateBuilder:
    """``compute_state`` on records that arrive in batches, building each artifact once it is complete.

    Git lists tags sorted by name (as bytes), and every tag of an artifact starts with its tag
    form and ``#`` or ``@``, which sort below ``A``: once a tag named at or past that form plus
    ``A`` arrived, the artifact has all its tags and is built at once. So a reader builds the
    registry while git still reads tag objects, on the other core, instead of after it, and
    what an artifact was built from is freed at once. The order decides only when an artifact
    is built, never what: a tag arriving for an artifact already built (git never sends one)
    makes ``finish`` compute the state from all the records anew, so that it gives exactly what
    ``compute_state`` gives on the same records in any order. Annotations join at ``finish``.
    """

    def __init__(self) -> None:
        self._records: list[TagRecord] = []
        self._problems: list[TagProblem] = []
        # Artifacts still waiting for tags, with their tags so far and the name past their last tag.
        self._open: dict[str, list[_Tag]] = {}
        self._bounds: dict[str, str] = {}
        self._built: dict[str, tuple[ArtifactState, tuple[TagProblem, ...]]] = {}
        # A tag came for an artifact built already: the records are only collected from then on.
        self._out_of_order = False

    def add(self, records: Sequence[TagRecord], times: Sequence[float | None] | None = None) -> None:
        """Take the next records as the reader lists them; build the artifacts they complete.

        ``times`` are their tagger dates in seconds, when the reader read them (``on_batch``).
        """
        if not records:
            return
        start = len(self._records)
        self._records.extend(records)
        if self._out_of_order:
            return
        grouped, problems = _classify(records, start, times)
        self._problems.extend(problems)
        for name, tags in grouped.items():
            if name in self._built:
                self._out_of_order = True
                return
            waiting = self._open.get(name)
            if waiting is None:
                self._open[name] = tags
                self._bounds[name] = tag_artifact(name) + "A"
            else:
                waiting.extend(tags)
        last = records[-1].name
        bounds = self._bounds
        for name in [name for name in self._open if bounds[name] <= last]:
            del bounds[name]
            self._built[name] = _build_artifact(name, self._open.pop(name), None)

    def finish(self, records: Sequence[TagRecord], annotations: Mapping[str, Annotation]) -> RegistryState:
        """The state of ``records``: those added, unless the reader changed its mind since.

        ``records`` is what the reader finally returned. When it is not the very list of records
        added (a reader peeled a chain of tags, or read a damaged repository again), or they
        came out of order, the state is computed from it anew.
        """
        if (
            self._out_of_order
            or len(records) != len(self._records)
            or any(map(operator.is_not, records, self._records))
        ):
            return compute_state(records, annotations)
        built: dict[str, tuple[ArtifactState, tuple[TagProblem, ...]]] = {}
        for name in sorted(self._open.keys() | self._built.keys() | annotations.keys()):
            annotation = annotations.get(name)
            done = self._built.get(name)
            if done is None:
                built[name] = _build_artifact(name, self._open.get(name, []), annotation)
                continue
            state, found = done
            built[name] = (replace(state, annotation=annotation) if annotation is not None else state, found)
        return _assemble(built, self._problems, len(records))


# Problems that ``classify_records`` finds in single records, as opposed to those an artifact's
# build finds; an update keeps the first kind for every record that did not change.
_RECORD_PROBLEMS = frozenset({ProblemKind.LIGHTWEIGHT, ProblemKind.NOT_A_COMMIT, ProblemKind.UNPARSEABLE})


@dataclass(frozen=True)
class StateUpdate:
    """A state rebuilt by ``update_state`` and the artifacts whose state differs from before.

    ``artifacts`` holds the names of artifacts added, removed or changed; it is empty when
    only facts outside any artifact changed (a lightweight or misshapen tag, the tag count).
    """

    state: RegistryState
    artifacts: frozenset[str]


def update_state(
    state: RegistryState,
    old_records: Mapping[str, TagRecord],
    new_records: Mapping[str, TagRecord],
    annotations: Mapping[str, Annotation],
    *,
    changed: Collection[str] | None = None,
) -> StateUpdate:
    """Rebuild only what changed: ``state`` was computed from ``old_records`` (keyed by tag name).

    The result equals ``compute_state(new_records.values(), annotations)``. The cost is the
    rebuild of the artifacts whose tags or annotation changed, plus one comparison per record
    unless the caller names the tags that may differ in ``changed`` (a superset is fine): so a
    long-running process follows a registry of 100,000 tags one tag at a time.
    """
    if changed is None:
        # Unchanged records are usually the very same objects: the identity test spares most comparisons.
        touched = {
            name
            for name, record in new_records.items()
            if (before := old_records.get(name)) is not record and before != record
        }
        touched.update(old_records.keys() - new_records.keys())
    else:
        touched = set(changed)

    # The artifacts to rebuild: those a changed tag belongs to, and those whose annotation changed.
    affected: set[str] = set()
    for name in touched:
        parsed = parse_tag(name)
        if parsed is not None:
            affected.add(parsed.artifact)
    for name, artifact in state.artifacts.items():
        if artifact.annotation != annotations.get(name):
            affected.add(name)
    affected.update(name for name in annotations if name not in state.artifacts)

    # Tags of an affected artifact that did not change are read again from the new records.
    grouped, record_problems = classify_records(new_records[name] for name in touched if name in new_records)
    for name in affected:
        previous = state.artifacts.get(name)
        if previous is None:
            continue
        kept = [
            TagEvent(parsed, new_records[event.tag])
            for event in previous.events
            if event.tag is not None and event.tag not in touched and (parsed := parse_tag(event.tag)) is not None
        ]
        if kept:
            grouped.setdefault(name, []).extend(kept)

    artifacts = dict(state.artifacts)
    events_by_tag = dict(state.events_by_tag)
    artifact_problems = dict(state.artifact_problems)
    differs: set[str] = set()
    for name in affected:
        old = artifacts.pop(name, None)
        artifact_problems.pop(name, None)
        if old is not None:
            for event in old.events:
                if event.tag is not None:
                    events_by_tag.pop(event.tag, None)
        tag_events = grouped.get(name, ())
        if not tag_events and name not in annotations:
            if old is not None:
                differs.add(name)
            continue
        built, found = build_artifact(name, tag_events, annotations.get(name))
        artifacts[name] = built
        if found:
            artifact_problems[name] = found
        for event in built.events:
            if event.tag is not None:
                events_by_tag[event.tag] = event
        if built != old:
            differs.add(name)

    kept_problems = [p for p in state.problems if p.kind in _RECORD_PROBLEMS and p.tag not in touched]
    found_problems = kept_problems + record_problems + [p for found in artifact_problems.values() for p in found]
    new_state = RegistryState(
        artifacts={name: artifacts[name] for name in sorted(artifacts)},
        events_by_tag=events_by_tag,
        problems=tuple(sorted(found_problems, key=lambda p: (p.tag, p.kind.value, p.message))),
        tag_count=len(new_records),
        artifact_problems={name: artifact_problems[name] for name in sorted(artifact_problems)},
    )
    return StateUpdate(new_state, frozenset(differs))

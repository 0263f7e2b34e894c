"""Registry state (SPEC §3) built from plain tag records: every rule, tie and edge."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gto.annotations import Annotation
from gto.queries import Shortcut, Sort, ViewOptions, check_ref, history, show_artifact, show_registry, which
from gto.state import EventKind, ProblemKind, StateBuilder, compute_state, update_state
from gto.tags import TagRecord

C1, C2, C3, C4 = ("1" * 40, "2" * 40, "3" * 40, "4" * 40)
BASE = datetime(2026, 3, 1, 10, 0, 0, tzinfo=timezone(timedelta(hours=1)))


def rec(name: str, minute: int, commit: str | None = C1, annotated: bool = True) -> TagRecord:
    return TagRecord(
        name=name,
        annotated=annotated,
        commit=commit,
        tagger_name="Alice" if annotated else "",
        tagger_email="alice@example.com" if annotated else "",
        created_at=BASE + timedelta(minutes=minute) if annotated else None,
        message=f"msg {name}" if annotated else "",
    )


def stages_of(state, artifact: str, options: ViewOptions | None = None) -> dict[str, tuple[str, ...]]:
    view = show_registry(state, options or ViewOptions())
    return next(row.stages for row in view.artifacts if row.name == artifact)


def test_latest_is_greatest_semver_not_newest() -> None:
    state = compute_state([rec("rf@v1.2.0", 1, C1), rec("rf@v1.10.0", 2, C2), rec("rf@v1.3.0", 3, C3)], {})
    assert state.artifacts["rf"].latest.version == "v1.10.0"
    assert [v.version for v in state.artifacts["rf"].versions] == ["v1.10.0", "v1.3.0", "v1.2.0"]


def test_prerelease_is_below_release_for_latest() -> None:
    state = compute_state([rec("rf@v1.0.0", 1, C1), rec("rf@v1.1.0-rc.1", 2, C2)], {})
    assert state.artifacts["rf"].latest.version == "v1.1.0-rc.1"
    state = compute_state([rec("rf@v1.1.0", 1, C1), rec("rf@v1.1.0-rc.1", 2, C2)], {})
    assert state.artifacts["rf"].latest.version == "v1.1.0"


def test_deregistered_version_is_hidden_and_its_stages_stop_counting() -> None:
    records = [
        rec("rf@v1.0.0", 1, C1),
        rec("rf@v1.1.0", 2, C2),
        rec("rf#prod#1", 3, C2),
        rec("rf@v1.1.0!", 4, C2),
    ]
    state = compute_state(records, {})
    artifact = state.artifacts["rf"]
    assert artifact.latest.version == "v1.0.0"
    assert artifact.version("v1.1.0").active is False
    assert artifact.version("v1.1.0").stages == ()
    assert stages_of(state, "rf") == {}
    assert [r.version for r in show_artifact(state, Shortcut("rf"), ViewOptions())] == ["v1.0.0"]


def test_deregistration_wins_a_tie_with_registration() -> None:
    state = compute_state([rec("rf@v1.0.0#2", 1), rec("rf@v1.0.0!", 1)], {})
    assert state.artifacts["rf"].version("v1.0.0").active is False
    state = compute_state([rec("rf@v1.0.0", 1), rec("rf@v1.0.0!", 2), rec("rf@v1.0.0#3", 3)], {})
    assert state.artifacts["rf"].version("v1.0.0").active is True


def test_stage_active_until_unassigned_and_unassignment_wins_a_tie() -> None:
    base = [rec("rf@v1.0.0", 1)]
    assert stages_of(compute_state(base + [rec("rf#prod#1", 2)], {}), "rf") == {"prod": ("v1.0.0",)}
    assert stages_of(compute_state(base + [rec("rf#prod#1", 2), rec("rf#prod!#2", 3)], {}), "rf") == {}
    assert stages_of(compute_state(base + [rec("rf#prod#1", 2), rec("rf#prod!#2", 2)], {}), "rf") == {}
    # The wrong-but-documented unassignment shape counts as an unassignment.
    assert stages_of(compute_state(base + [rec("rf#prod#1", 2), rec("rf#prod#2!", 3)], {}), "rf") == {}
    # A reassignment after an unassignment makes the stage active again.
    again = base + [rec("rf#prod#1", 2), rec("rf#prod!#2", 3), rec("rf#prod#3", 4)]
    assert stages_of(compute_state(again, {}), "rf") == {"prod": ("v1.0.0",)}


def test_of_two_assignments_at_one_time_the_first_in_history_order_stands() -> None:
    base = [rec("rf@v1.0.0", 1)]
    twice = base + [rec("rf#prod#2", 2), rec("rf#prod#1", 2), rec("rf#prod#3", 2)]
    [assignment] = compute_state(twice, {}).artifacts["rf"].version("v1.0.0").stages
    assert assignment.event.tag == "rf#prod#1"
    # An unassignment at that time still wins, wherever it sorts among them.
    undone = twice + [rec("rf#prod!#4", 2)]
    assert compute_state(undone, {}).artifacts["rf"].version("v1.0.0").stages == ()


def test_latest_assignment_wins_so_rollback_works() -> None:
    records = [
        rec("rf@v1.2.3", 1, C1),
        rec("rf@v1.2.4", 2, C2),
        rec("rf#prod#1", 3, C2),
        rec("rf#prod#2", 4, C1),
    ]
    state = compute_state(records, {})
    assert stages_of(state, "rf") == {"prod": ("v1.2.3",)}
    assert stages_of(state, "rf", ViewOptions(sort=Sort.SEMVER)) == {"prod": ("v1.2.4",)}
    assert stages_of(state, "rf", ViewOptions(versions_per_stage=-1)) == {"prod": ("v1.2.3", "v1.2.4")}
    assert [s.version for s in which(state, "rf", "prod", ViewOptions())] == ["v1.2.3"]
    assert [s.ref for s in which(state, "rf", "prod", ViewOptions(versions_per_stage=-1))] == [
        "rf#prod#2",
        "rf#prod#1",
    ]


def test_stage_tag_attaches_to_version_registered_later_on_its_commit() -> None:
    state = compute_state([rec("rf#dev#1", 1, C1), rec("rf@v0.1.0", 2, C1)], {})
    artifact = state.artifacts["rf"]
    assert [v.version for v in artifact.versions] == ["v0.1.0"]
    assert stages_of(state, "rf") == {"dev": ("v0.1.0",)}
    assert state.events_by_tag["rf#dev#1"].version == "v0.1.0"


def test_unregistered_commit_gets_one_hexsha_version() -> None:
    records = [rec("rf#dev#1", 1, C3), rec("rf#prod#2", 2, C3), rec("rf@v1.0.0", 3, C1)]
    state = compute_state(records, {})
    artifact = state.artifacts["rf"]
    assert [(v.version, v.registered) for v in artifact.versions] == [("v1.0.0", True), (C3, False)]
    assert stages_of(state, "rf", ViewOptions(versions_per_stage=-1)) == {"dev": (C3,), "prod": (C3,)}
    assert stages_of(state, "rf", ViewOptions(registered_only=True)) == {}
    assert artifact.latest.version == "v1.0.0"


def test_two_versions_on_one_commit_attach_to_greatest_and_report() -> None:
    records = [rec("rf@v1.0.0", 1, C1), rec("rf@v2.0.0", 2, C1), rec("rf#prod#1", 3, C1)]
    state = compute_state(records, {})
    assert stages_of(state, "rf") == {"prod": ("v2.0.0",)}
    assert [p.kind for p in state.problems] == [ProblemKind.TWO_VERSIONS_ON_COMMIT]
    assert "v1.0.0, v2.0.0" in state.problems[0].message


def test_deregistered_version_does_not_take_stage_tags_from_active_one_on_same_commit() -> None:
    records = [
        rec("rf@v2.0.0", 1, C1),
        rec("rf@v2.0.0!", 2, C1),
        rec("rf@v1.0.0", 3, C1),
        rec("rf#prod#1", 4, C1),
    ]
    state = compute_state(records, {})
    assert stages_of(state, "rf") == {"prod": ("v1.0.0",)}
    assert state.problems == ()


def test_deprecation_hides_and_later_version_event_revives() -> None:
    records = [rec("rf@v1.0.0", 1), rec("rf@deprecated", 2)]
    state = compute_state(records, {})
    assert state.artifacts["rf"].deprecated is True
    assert show_registry(state, ViewOptions()).artifacts == ()
    assert [a.name for a in show_registry(state, ViewOptions(deprecated=True)).artifacts] == ["rf"]
    revived = compute_state(records + [rec("rf#prod#1", 3)], {})
    assert revived.artifacts["rf"].deprecated is False
    tie = compute_state([rec("rf@v1.0.0", 2), rec("rf@deprecated", 2)], {})
    assert tie.artifacts["rf"].deprecated is False


def test_annotation_only_artifact_exists() -> None:
    from gto.annotations import Annotation

    state = compute_state([], {"churn": Annotation(type="model", path="m.pkl")})
    artifact = state.artifacts["churn"]
    assert artifact.versions == ()
    assert artifact.annotation == Annotation(type="model", path="m.pkl")
    row = show_registry(state, ViewOptions()).artifacts[0]
    assert (row.name, row.latest, row.registered, row.stages) == ("churn", None, False, {})


def test_lightweight_non_commit_and_misshapen_tags_are_reported_not_counted() -> None:
    records = [
        rec("rf@v1.0.0", 1),
        rec("rf@v2.0.0", 2, annotated=False),
        rec("rf@v3.0.0", 3, commit=None),
        rec("rf@created", 4),
        rec("release-1", 5),
    ]
    state = compute_state(records, {})
    assert [v.version for v in state.artifacts["rf"].versions] == ["v1.0.0"]
    assert [(p.kind, p.tag) for p in state.problems] == [
        (ProblemKind.UNPARSEABLE, "rf@created"),
        (ProblemKind.LIGHTWEIGHT, "rf@v2.0.0"),
        (ProblemKind.NOT_A_COMMIT, "rf@v3.0.0"),
    ]
    assert state.tag_count == 5


def test_kanban_view_with_av_and_vs() -> None:
    records = [
        rec("rf@v1.0.0", 1, C1),
        rec("rf@v2.0.0", 2, C2),
        rec("rf#dev#1", 3, C1),
        rec("rf#staging#2", 4, C1),
        rec("rf#dev#3", 5, C2),
    ]
    state = compute_state(records, {})
    kanban = ViewOptions(assignments_per_version=1, versions_per_stage=-1)
    assert stages_of(state, "rf", kanban) == {"staging": ("v1.0.0",), "dev": ("v2.0.0",)}
    assert stages_of(state, "rf", ViewOptions(versions_per_stage=-1)) == {
        "dev": ("v2.0.0", "v1.0.0"),
        "staging": ("v1.0.0",),
    }
    rows = show_artifact(state, Shortcut("rf"), ViewOptions(versions_per_stage=-1))
    assert [(r.version, r.stages) for r in rows] == [("v2.0.0", ("dev",)), ("v1.0.0", ("staging", "dev"))]


def test_view_options_reject_values_below_minus_one() -> None:
    from gto.errors import UsageError

    with pytest.raises(UsageError, match="--vs"):
        ViewOptions(versions_per_stage=-2)
    with pytest.raises(UsageError, match="--av"):
        ViewOptions(assignments_per_version=-5)


def test_history_order_and_check_ref() -> None:
    records = [rec("rf@v1.0.0", 1), rec("rf#prod#1", 1), rec("rf@deprecated", 1), rec("rf#prod!#2", 5)]
    state = compute_state(records, {})
    events = history(state, Shortcut("rf"), ascending=True)
    assert [e.event for e in events] == ["deprecation", "registration", "assignment", "unassignment"]
    assert [e.ref for e in history(state, None)] == ["rf#prod!#2", "rf#prod#1", "rf@v1.0.0", "rf@deprecated"]
    assert [e.ref for e in history(state, Shortcut("rf", stage="prod"), ascending=True)] == [
        "rf#prod#1",
        "rf#prod!#2",
    ]
    found = check_ref(state, "refs/tags/rf#prod#1")
    assert found is not None
    assert (found.event, found.version, found.stage, found.commit_hexsha) == (
        "assignment",
        "v1.0.0",
        "prod",
        C1,
    )
    assert found.created_at == BASE + timedelta(minutes=1)
    assert found.created_at.utcoffset() == timedelta(hours=1)
    assert check_ref(state, "release-1") is None
    assert check_ref(state, "rf@v9.9.9") is None
    assert state.events_by_tag["rf@deprecated"].kind is EventKind.DEPRECATION


_TAG_NAMES = [
    "rf@v1.0.0",
    "rf@v1.1.0",
    "rf@v1.1.0!",
    "rf#prod#1",
    "rf#prod#2",
    "rf#prod!#3",
    "rf#dev",
    "rf@deprecated",
    "nn@v0.0.1",
    "nn#dev#1",
    "nn#dev!",
    "d=nn@v0.1.0",
    "rf@created",
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_TAG_NAMES), st.integers(0, 4), st.sampled_from([C1, C2, C3, C4])),
        min_size=1,
        max_size=12,
        unique_by=lambda item: item[0],
    ),
    st.randoms(use_true_random=False),
)
def test_state_does_not_depend_on_record_order(items, random) -> None:
    records = [rec(name, minute, commit) for name, minute, commit in items]
    shuffled = list(records)
    random.shuffle(shuffled)
    first, second = compute_state(records, {}), compute_state(shuffled, {})
    assert first.artifacts == second.artifacts
    assert sorted(first.problems, key=repr) == sorted(second.problems, key=repr)
    for options in (ViewOptions(), ViewOptions(versions_per_stage=-1, assignments_per_version=1)):
        assert show_registry(first, options) == show_registry(second, options)
    assert history(first, None) == history(second, None)


def test_assignments_in_one_second_are_ordered_by_counter_numerically() -> None:
    records = [
        rec("rf@v1.0.0", 1, C1),
        rec("rf@v2.0.0", 1, C2),
        rec("rf#prod#9", 2, C1),
        rec("rf#prod#10", 2, C2),
    ]
    state = compute_state(records, {})
    assert stages_of(state, "rf") == {"prod": ("v2.0.0",)}


def test_only_assignments_after_a_deregistration_are_reported() -> None:
    lifecycle = [rec("rf@v1.0.0", 1), rec("rf#prod#1", 2), rec("rf#prod!#2", 3), rec("rf@v1.0.0!", 4)]
    assert compute_state(lifecycle, {}).problems == ()
    late = compute_state(lifecycle + [rec("rf#dev#3", 5)], {})
    assert [(p.kind, p.tag) for p in late.problems] == [(ProblemKind.STAGE_ON_DEREGISTERED, "rf#dev#3")]


def test_history_of_commit_events_on_one_commit_is_totally_ordered() -> None:
    from gto.queries import commit_events

    state = compute_state([rec("rf@v1.0.0", 1, C1), rec("nn@v1.0.0", 1, C1)], {})
    rows = [(C1, BASE, "Alice", "a@example.com", "add")]
    events = commit_events(state.artifacts["rf"], rows) + commit_events(state.artifacts["nn"], rows)
    newest_first = [(e.event, e.artifact) for e in history(state, None, events)]
    oldest_first = [(e.event, e.artifact) for e in history(state, None, events, ascending=True)]
    assert newest_first == list(reversed(oldest_first))


_ANNOTATION_CHOICES = {
    "rf": [None, Annotation(type="model"), Annotation(type="model", path="rf.pkl")],
    "ds": [None, Annotation(type="dataset")],
    "seg": [None, Annotation(description="segmentation")],
}


def _annotations(choices: dict[str, int]) -> dict[str, Annotation]:
    picked = {
        name: _ANNOTATION_CHOICES[name][index % len(_ANNOTATION_CHOICES[name])] for name, index in choices.items()
    }
    return {name: annotation for name, annotation in picked.items() if annotation is not None}


def _record_lists(names: list[str], max_size: int) -> st.SearchStrategy[list[TagRecord]]:
    """Records with distinct names among ``names``, any minute, commit and annotation."""
    return st.lists(
        st.tuples(st.sampled_from(names), st.integers(0, 4), st.sampled_from([C1, C2, C3, C4, None]), st.booleans()),
        max_size=max_size,
        unique_by=lambda item: item[0],
    ).map(lambda items: [rec(name, minute, commit, annotated) for name, minute, commit, annotated in items])


_RECORDS = _record_lists(_TAG_NAMES, 12).map(lambda records: {record.name: record for record in records})
_ANNOTATION_INDEXES = st.fixed_dictionaries({name: st.integers(0, 2) for name in _ANNOTATION_CHOICES})


@settings(max_examples=150, deadline=None)
@given(_RECORDS, _RECORDS, st.randoms(use_true_random=False), _ANNOTATION_INDEXES, _ANNOTATION_INDEXES)
def test_update_state_equals_compute_state(old_pool, new_pool, random, old_choice, new_choice) -> None:
    # The new records keep some old ones unchanged, drop others, and add or replace from a second pool.
    old_records = dict(old_pool)
    new_records = {name: record for name, record in old_records.items() if random.random() < 0.6}
    new_records.update({name: record for name, record in new_pool.items() if random.random() < 0.5})
    old_annotations, new_annotations = _annotations(old_choice), _annotations(new_choice)
    state = compute_state(old_records.values(), old_annotations)
    update = update_state(state, old_records, new_records, new_annotations)
    expected = compute_state(new_records.values(), new_annotations)
    assert update.state == expected
    changed = {
        name
        for name in set(state.artifacts) | set(expected.artifacts)
        if state.artifacts.get(name) != expected.artifacts.get(name)
    }
    assert update.artifacts == changed
    # A caller that knows which tags may have changed (a superset) gets the very same update.
    moved = {name for name in old_records.keys() | new_records.keys() if old_records.get(name) != new_records.get(name)}
    named = moved | {name for name in new_records if random.random() < 0.3}
    assert update_state(state, old_records, new_records, new_annotations, changed=named) == update


def test_update_state_with_nothing_changed_changes_nothing() -> None:
    records = {r.name: r for r in [rec("rf@v1.0.0", 1), rec("rf#prod#1", 2), rec("rf@bad", 3)]}
    state = compute_state(records.values(), {})
    update = update_state(state, records, dict(records), {})
    assert update.state == state
    assert update.artifacts == frozenset()
    lightweight = {**records, "v1": rec("v1", 4, annotated=False)}
    update = update_state(state, records, lightweight, {})
    assert update.artifacts == frozenset()
    assert update.state.tag_count == 4


# StateBuilder: the same state, whatever the batches and the order the records arrive in.

_BUILDER_NAMES = [*_TAG_NAMES, "rf-x@v1.0.0", "rf-x#prod#1", "rf0@v2.0.0", "d=nn#dev#2", "nn@v0.0.1!", "v1"]


@settings(max_examples=150, deadline=None)
@given(
    _record_lists(_BUILDER_NAMES, 16),
    st.lists(st.integers(1, 5), min_size=1, max_size=8),
    st.booleans(),
    st.randoms(use_true_random=False),
    _ANNOTATION_INDEXES,
)
def test_state_builder_equals_compute_state(records, cuts, by_name, random, choice) -> None:
    if by_name:
        records.sort(key=lambda record: record.name.encode())  # as git lists them
    else:
        random.shuffle(records)
    annotations = _annotations(choice)
    builder = StateBuilder()
    position = 0
    for cut in cuts * 4:
        batch = records[position : position + cut]
        # A reader gives the tagger dates it read in seconds; without them they come from the records.
        times = [r.created_at.timestamp() if r.created_at is not None else None for r in batch] if cut % 2 else None
        builder.add(batch, times)
        position += cut
    builder.add(records[position:])

    assert builder.finish(records, annotations) == compute_state(records, annotations)


def test_state_builder_builds_an_artifact_once_git_listed_past_its_tags() -> None:
    builder = StateBuilder()
    builder.add([rec("a@v1.0.0", 1), rec("a#prod#1", 2)][::-1])
    assert builder._built == {}  # "a" may still get tags: nothing sorts after them yet
    builder.add([rec("b@v1.0.0", 3)])
    assert set(builder._built) == {"a"} and set(builder._open) == {"b"}
    # A late tag of "a" (git never sends one, a caller might): the state is computed anew.
    late = [rec("a@v2.0.0", 4, C2), rec("c@v1.0.0", 5)]
    builder.add(late)
    assert set(builder._built) == {"a"} and set(builder._open) == {"b"}
    records = [*builder._records]
    state = builder.finish(records, {})
    assert state == compute_state(records, {})
    assert state.artifacts["a"].latest is not None and state.artifacts["a"].latest.version == "v2.0.0"
    assert "c" in state.artifacts


def test_state_builder_starts_over_when_the_reader_changed_the_records() -> None:
    builder = StateBuilder()
    first = [rec("a@v1.0.0", 1), rec("b@v1.0.0", 2)]
    builder.add(first)
    # The reader peeled a chain afterwards: the record of "a" is a new one.
    final = [rec("a@v1.0.0", 1, C2), first[1]]
    assert builder.finish(final, {}) == compute_state(final, {})

"""Pure formatting of ``gto.cli.output``: table widths, plain tables, quoting and JSON shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from gto.api import TagChange, WriteResult
from gto.cli import output
from gto.queries import ArtifactInfo, EventInfo, RefEvent, RegistryView, VersionInfo
from gto.tags import Action, parse_tag

PARIS = timezone(timedelta(hours=1))
WHEN = datetime(2026, 3, 1, 10, 33, 53, tzinfo=PARIS)
HEX = "0123456789abcdef0123456789abcdef01234567"


def test_box_table_widths_follow_header_plus_two_or_longest_cell() -> None:
    text = output.box_table(
        ["name", "latest", "#dev", "#prod", "#staging"],
        [
            ["churn", "v3.1.1", "v3.1.1", "v3.0.0", "v3.1.0"],
            ["segment", "v0.4.1", "v0.4.1", "-", "-"],
            ["cv-class", "v0.1.13", "-", "-", "-"],
        ],
    )
    assert text == (
        "╒══════════╤══════════╤════════╤═════════╤════════════╕\n"
        "│ name     │ latest   │ #dev   │ #prod   │ #staging   │\n"
        "╞══════════╪══════════╪════════╪═════════╪════════════╡\n"
        "│ churn    │ v3.1.1   │ v3.1.1 │ v3.0.0  │ v3.1.0     │\n"
        "│ segment  │ v0.4.1   │ v0.4.1 │ -       │ -          │\n"
        "│ cv-class │ v0.1.13  │ -      │ -       │ -          │\n"
        "╘══════════╧══════════╧════════╧═════════╧════════════╛"
    )


def test_long_cells_widen_their_column() -> None:
    text = output.box_table(["a"], [["a-very-long-cell"]])
    assert text.splitlines()[1] == "│ a                │"
    assert text.splitlines()[3] == "│ a-very-long-cell │"


def test_plain_table_has_same_columns_two_spaces_and_no_trailing_spaces() -> None:
    text = output.plain_table(["name", "latest", "#dev"], [["churn", "v3.1.1", "-"], ["segment", "v0.4.1", "v0.4.1"]])
    assert text == "name     latest    #dev\nchurn    v3.1.1    -\nsegment  v0.4.1    v0.4.1"


def test_empty_table_says_nothing_found() -> None:
    assert output.table(["a"], [], plain=False) == "Nothing found in the current workspace"
    assert output.table(["a"], [], plain=True) == "Nothing found in the current workspace"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "-"),
        ("", "-"),
        ((), "-"),
        ("v1.2.3", "v1.2.3"),
        (
            "v1.0.0-rc.1+build.0123456789abcdef0123456789abcdef01234567",
            "v1.0.0-rc.1+build.0123456789abcdef0123456789abcdef01234567",
        ),
        (HEX, "0123456"),
        (HEX.upper(), HEX.upper()),
        (HEX[:39], HEX[:39]),
        (("v1.0.0", HEX), "v1.0.0, 0123456"),
    ],
)
def test_cells_shorten_only_full_hexshas(value: str | tuple[str, ...] | None, expected: str) -> None:
    assert output.cell(value) == expected


def test_times_in_tables_use_the_reader_zone_and_json_keeps_the_tagger_offset() -> None:
    assert output.table_time(WHEN, UTC) == "2026-03-01 09:33:53"
    assert output.table_time(WHEN, timezone(timedelta(hours=-5))) == "2026-03-01 04:33:53"
    assert output.json_time(WHEN.replace(microsecond=123)) == "2026-03-01T10:33:53+01:00"


def test_registry_rows_and_json() -> None:
    view = RegistryView(
        artifacts=(
            ArtifactInfo(name="nn", latest=None, stages={"dev": (HEX,)}, registered=False, deprecated=False),
            ArtifactInfo(
                name="rf",
                latest="v1.1.0",
                stages={"dev": ("v1.1.0", "v1.0.0"), "prod": ("v1.0.0",)},
                registered=True,
                deprecated=True,
            ),
        ),
        stages=("dev", "prod", "staging"),
    )
    headers, rows = output.registry_rows(view)
    assert headers == ["name", "latest", "#dev", "#prod", "#staging"]
    assert rows == [["nn", "-", "0123456", "-", "-"], ["rf", "v1.1.0", "v1.1.0, v1.0.0", "v1.0.0", "-"]]
    assert json.loads(output.registry_json(view)) == {
        "nn": {
            "version": None,
            "stage": {"dev": HEX, "prod": None, "staging": None},
            "registered": False,
            "active": True,
        },
        "rf": {
            "version": "v1.1.0",
            "stage": {"dev": "v1.1.0, v1.0.0", "prod": "v1.0.0", "staging": None},
            "registered": True,
            "active": False,
        },
    }


def _version(version: str, stages: tuple[str, ...] = ()) -> VersionInfo:
    return VersionInfo(
        artifact="rf",
        version=version,
        stages=stages,
        created_at=WHEN,
        ref=f"rf@{version}",
        commit=HEX,
        registered=True,
        active=True,
        author="Alice",
        author_email="alice@example.com",
    )


def test_version_rows_fields_and_json() -> None:
    versions = [_version("v1.0.0", ("prod", "dev")), _version("v0.1.0")]
    assert output.version_rows(versions, UTC) == [
        ["rf", "v1.0.0", "prod, dev", "2026-03-01 09:33:53", "rf@v1.0.0"],
        ["rf", "v0.1.0", "-", "2026-03-01 09:33:53", "rf@v0.1.0"],
    ]
    assert [output.version_field(versions[1], f) for f in ("name", "version", "stage", "ref")] == [
        "rf",
        "v0.1.0",
        "-",
        "rf@v0.1.0",
    ]
    assert output.versions_json(versions[:1]) == json.dumps(
        [
            {
                "artifact": "rf",
                "version": "v1.0.0",
                "stage": "prod, dev",
                "created_at": "2026-03-01T10:33:53+01:00",
                "ref": "rf@v1.0.0",
                "commit": HEX,
                "registered": True,
                "author": "Alice",
                "author_email": "alice@example.com",
            }
        ],
        indent=2,
    )


def test_history_rows_and_json_shape() -> None:
    event = EventInfo(
        timestamp=WHEN,
        artifact="rf",
        event="assignment",
        version="v1.0.0",
        stage="prod",
        commit=HEX,
        author="Alice",
        author_email="alice@example.com",
        message="Assigning stage prod",
        ref="rf#prod#1",
    )
    assert output.history_rows([event], UTC) == [
        ["2026-03-01 09:33:53", "rf", "assignment", "v1.0.0", "prod", "0123456", "rf#prod#1"]
    ]
    assert list(json.loads(output.history_json([event]))[0]) == [
        "timestamp",
        "artifact",
        "event",
        "version",
        "stage",
        "commit",
        "author",
        "author_email",
        "message",
        "ref",
    ]


def _ref_event(kind: str, version: str | None = "v1.2.4", stage: str | None = None) -> RefEvent:
    return RefEvent(
        artifact="rf",
        event=kind,
        version=version,
        stage=stage,
        created_at=WHEN,
        author="Alice",
        author_email="alice@example.com",
        message="m",
        commit_hexsha=HEX,
        tag="t",
    )


@pytest.mark.parametrize(
    ("event", "text"),
    [
        (_ref_event("registration"), 'Version "v1.2.4" of artifact "rf" was registered'),
        (_ref_event("deregistration"), 'Version "v1.2.4" of artifact "rf" was deregistered'),
        (
            _ref_event("assignment", stage="prod"),
            'Stage "prod" was assigned to version "v1.2.4" of artifact "rf"',
        ),
        (
            _ref_event("unassignment", stage="prod"),
            'Stage "prod" was unassigned from version "v1.2.4" of artifact "rf"',
        ),
        (_ref_event("deprecation", version=None), 'Artifact "rf" was deprecated'),
    ],
)
def test_check_ref_sentences(event: RefEvent, text: str) -> None:
    assert output.ref_event_text(event, emojis=True) == "✅ " + text
    assert output.ref_event_text(event, emojis=False) == text


def test_check_ref_json_omits_missing_version_and_stage() -> None:
    assert json.loads(output.ref_event_json(_ref_event("deprecation", version=None))) == {
        "artifact": "rf",
        "event": "deprecation",
        "created_at": "2026-03-01T10:33:53+01:00",
        "author": "Alice",
        "author_email": "alice@example.com",
        "message": "m",
        "commit_hexsha": HEX,
        "tag": "t",
    }
    assert list(json.loads(output.ref_event_json(_ref_event("assignment", stage="prod")))) == [
        "artifact",
        "event",
        "version",
        "stage",
        "created_at",
        "author",
        "author_email",
        "message",
        "commit_hexsha",
        "tag",
    ]


def _change(tag: str) -> TagChange:
    parsed = parse_tag(tag)
    assert parsed is not None
    version = parsed.version or ("v1.0.0" if parsed.stage else None)
    return TagChange(tag=tag, action=parsed.action, artifact=parsed.artifact, version=version, stage=parsed.stage)


def test_write_report_lists_changes_and_a_quoted_push_hint() -> None:
    result = WriteResult(created=(_change("rf@v1.0.0"), _change("rf#prod#1")))
    report = output.write_report(result, "origin", emojis=True)
    assert report.stdout == (
        "Created git tag 'rf@v1.0.0' that registers a version\n"
        "Created git tag 'rf#prod#1' that assigns a stage to 'v1.0.0'\n"
        "To push the changes upstream, run:\n"
        "git push origin rf@v1.0.0 'rf#prod#1'"
    )
    assert report.stderr == ""
    assert not report.failed


def test_write_report_for_every_kind_of_change() -> None:
    tags = ["rf@v1.0.0", "rf@v1.0.0!", "rf#prod#1", "rf#prod!#2", "rf@deprecated"]
    created = output.write_report(WriteResult(created=tuple(_change(t) for t in tags)), "up", True).stdout
    assert created.splitlines() == [
        "Created git tag 'rf@v1.0.0' that registers a version",
        "Created git tag 'rf@v1.0.0!' that deregisters a version",
        "Created git tag 'rf#prod#1' that assigns a stage to 'v1.0.0'",
        "Created git tag 'rf#prod!#2' that unassigns a stage from 'v1.0.0'",
        "Created git tag 'rf@deprecated' that deprecates an artifact",
        "To push the changes upstream, run:",
        "git push up rf@v1.0.0 'rf@v1.0.0!' 'rf#prod#1' 'rf#prod!#2' rf@deprecated",
    ]
    deleted = output.write_report(WriteResult(deleted=tuple(_change(t) for t in tags)), "origin", True).stdout
    assert deleted.splitlines() == [
        "Deleted git tag 'rf@v1.0.0' that registered a version.",
        "Deleted git tag 'rf@v1.0.0!' that deregistered a version.",
        "Deleted git tag 'rf#prod#1' that assigned a stage to 'v1.0.0'.",
        "Deleted git tag 'rf#prod!#2' that unassigned a stage from 'v1.0.0'.",
        "Deleted git tag 'rf@deprecated' that deprecated an artifact.",
        "To push the changes upstream, run:",
        "git push origin --delete rf@v1.0.0 'rf@v1.0.0!' 'rf#prod#1' 'rf#prod!#2' rf@deprecated",
    ]


def test_write_report_after_a_push() -> None:
    pushed = WriteResult(created=(_change("rf@v1.0.0"),), pushed=True, remote="origin")
    assert output.write_report(pushed, "origin", True).stdout == (
        "Created git tag 'rf@v1.0.0' that registers a version\nPushed tags 'rf@v1.0.0' to remote 'origin'"
    )
    deleted = WriteResult(deleted=(_change("rf@v1.0.0"),), pushed=True, remote="up")
    assert output.write_report(deleted, "up", True).stdout.splitlines()[-1] == "Deleted tags 'rf@v1.0.0' on remote 'up'"


def test_write_report_after_a_failed_push_keeps_stdout_and_explains_on_stderr() -> None:
    failed = WriteResult(created=(_change("rf@v1.0.0"),), remote="origin", push_error="remote rejected")
    report = output.write_report(failed, "origin", emojis=False)
    assert report.failed
    assert report.stdout == "Created git tag 'rf@v1.0.0' that registers a version"
    assert report.stderr == ("remote rejected\nThe tag 'rf@v1.0.0' was created locally but not pushed to 'origin'")


def test_quote_tags_quotes_shell_specials_only() -> None:
    assert output.quote_tags(["rf@v1.0.0", "rf#prod#1", "rf@v1.0.0!", "dir=rf@v1.0.0"]) == (
        "rf@v1.0.0 'rf#prod#1' 'rf@v1.0.0!' dir=rf@v1.0.0"
    )


def test_messages_with_and_without_emojis() -> None:
    assert output.error_line("boom", True) == "❌ boom"
    assert output.error_line("boom", False) == "boom"
    assert output.warning_line("careful", True) == "⚠️ careful"
    assert output.warning_line("careful", False) == "careful"


def test_json_keeps_non_ascii_and_indents_by_two() -> None:
    assert output.to_json({"a": "é"}) == '{\n  "a": "é"\n}'


def test_parsed_tag_json() -> None:
    parsed = parse_tag("models=churn#prod!#3")
    assert parsed is not None
    assert json.loads(output.parsed_tag_json(parsed)) == {
        "artifact": "models:churn",
        "action": "unassign",
        "version": None,
        "stage": "prod",
        "counter": 3,
    }


def test_parse_tag_action_values_exist() -> None:
    assert {a.value for a in Action} == {"register", "deregister", "assign", "unassign", "deprecate"}


def test_write_report_after_a_failed_deletion_push() -> None:
    failed = WriteResult(
        deleted=(_change("rf@v1.0.0"), _change("rf#prod#1")), remote="up", push_error="Pushing to 'up' failed"
    )
    report = output.write_report(failed, "up", emojis=True)
    assert report.stderr == (
        "❌ Pushing to 'up' failed\nThe tags 'rf@v1.0.0', 'rf#prod#1' were deleted locally but not on 'up'"
    )

"""The tag grammar of SPEC §2: every shape parsed to exact values, formatting, names, counters."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gto import tags
from gto.errors import InvalidNameError
from gto.tags import (
    Action,
    ParsedTag,
    check_artifact,
    check_name,
    format_tag,
    is_valid_artifact,
    is_valid_name,
    next_counter,
    parse_tag,
    tag_patterns,
)
from gto.versions import VERSION_PATTERN

REG, DEREG, ASSIGN, UNASSIGN, DEPR = (
    Action.REGISTER,
    Action.DEREGISTER,
    Action.ASSIGN,
    Action.UNASSIGN,
    Action.DEPRECATE,
)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("churn@v1.2.0", ParsedTag("churn", REG, version="v1.2.0")),
        ("churn@v1.2.0!", ParsedTag("churn", DEREG, version="v1.2.0")),
        ("churn#prod#3", ParsedTag("churn", ASSIGN, stage="prod", counter=3)),
        ("churn#prod", ParsedTag("churn", ASSIGN, stage="prod")),
        ("churn#prod!#4", ParsedTag("churn", UNASSIGN, stage="prod", counter=4)),
        ("churn#prod!", ParsedTag("churn", UNASSIGN, stage="prod")),
        ("churn@deprecated", ParsedTag("churn", DEPR)),
        ("churn@v1.2.0#5", ParsedTag("churn", REG, version="v1.2.0", counter=5)),
        ("churn@v1.2.0!#6", ParsedTag("churn", DEREG, version="v1.2.0", counter=6)),
        ("churn@deprecated#7", ParsedTag("churn", DEPR, counter=7)),
        # The documented-but-wrong form reads as an unassignment.
        ("churn#prod#3!", ParsedTag("churn", UNASSIGN, stage="prod", counter=3)),
        # Counters are decimal: leading zeros read as the number.
        ("churn#prod#01", ParsedTag("churn", ASSIGN, stage="prod", counter=1)),
        ("churn#prod#0", ParsedTag("churn", ASSIGN, stage="prod", counter=0)),
        # Monorepo form: DIR=NAME in the tag, DIR:NAME in the artifact.
        ("models/nlp=churn@v1.0.0", ParsedTag("models/nlp:churn", REG, version="v1.0.0")),
        ("a.b/c_d=x#dev#2", ParsedTag("a.b/c_d:x", ASSIGN, stage="dev", counter=2)),
        ("./m=x@deprecated", ParsedTag("./m:x", DEPR)),
        # Names: letters, digits; -, _, / inside; upper case allowed.
        ("Churn-Model_2/x@v0.0.1", ParsedTag("Churn-Model_2/x", REG, version="v0.0.1")),
        ("a@v1.0.0", ParsedTag("a", REG, version="v1.0.0")),
        ("1@v1.0.0", ParsedTag("1", REG, version="v1.0.0")),
        ("rf#Prod-EU/1", ParsedTag("rf", ASSIGN, stage="Prod-EU/1")),
        # Full SemVer, pre-release and build metadata.
        ("rf@v1.0.0-rc.1", ParsedTag("rf", REG, version="v1.0.0-rc.1")),
        ("rf@v2.0.0+build.7", ParsedTag("rf", REG, version="v2.0.0+build.7")),
        ("rf@v2.0.0-rc.1+build.7!#3", ParsedTag("rf", DEREG, version="v2.0.0-rc.1+build.7", counter=3)),
        # refs/tags/ prefixes are accepted.
        ("refs/tags/rf@v1.0.0", ParsedTag("rf", REG, version="v1.0.0")),
        # Every name GTO 0.2.1 could write.
        ("my-model/v2@v0.1.0", ParsedTag("my-model/v2", REG, version="v0.1.0")),
    ],
)
def test_parse_every_shape(tag: str, expected: ParsedTag) -> None:
    assert parse_tag(tag) == expected


@pytest.mark.parametrize(
    "tag",
    [
        "v1.0.0",  # a plain release tag
        "churn@created",
        "churn@1.0.0",
        "churn@V1.0.0",
        "churn@v1.0",
        "churn@v1.0.0!!",
        "churn#prod#",
        "churn#prod#x",
        "churn#prod#3#4",
        "churn##3",
        "churn#",
        "churn@",
        "@v1.0.0",
        "#prod",
        "-churn@v1.0.0",
        "churn-@v1.0.0",
        "chu rn@v1.0.0",
        "churn_@v1.0.0",
        "ch.urn@v1.0.0",
        "../x=churn@v1.0.0",
        "a/../b=churn@v1.0.0",
        "a=b=churn@v1.0.0",
        "=churn@v1.0.0",
        "churn@deprecated!",
        "churn@v1.0.0#3!",
        "churn#prod!!",
        "",
        "release-2024",
    ],
)
def test_non_registry_tags_are_skipped(tag: str) -> None:
    assert parse_tag(tag) is None


# SPEC §2 as one pattern over the whole tag: what parsing a tag by its two sides must agree with.
_WHOLE_TAG = re.compile(
    rf"(?:(?P<dir>{tags.DIR_PATTERN})=)?(?P<name>{tags.NAME_PATTERN})"
    rf"(?:@(?P<version>{VERSION_PATTERN})(?P<vcancel>!)?(?:#(?P<vcounter>\d+))?"
    r"|@(?P<deprecated>deprecated)(?:#(?P<dcounter>\d+))?"
    rf"|#(?P<stage>{tags.NAME_PATTERN})"
    r"(?:(?P<scancel>!)?#(?P<scounter>\d+)|(?P<scancel_simple>!)|#(?P<lcounter>\d+)(?P<lcancel>!))?)"
)


def _by_whole_pattern(tag: str) -> ParsedTag | None:
    match = _WHOLE_TAG.fullmatch(tag)
    if match is None or (match["dir"] is not None and ".." in match["dir"].split("/")):
        return None
    artifact = f"{match['dir']}:{match['name']}" if match["dir"] else match["name"]
    if match["version"]:
        counter = match["vcounter"]
        return ParsedTag(
            artifact,
            DEREG if match["vcancel"] else REG,
            version=match["version"],
            counter=int(counter) if counter else None,
        )
    if match["deprecated"]:
        return ParsedTag(artifact, DEPR, counter=int(match["dcounter"]) if match["dcounter"] else None)
    counter = match["scounter"] or match["lcounter"]
    cancelled = match["scancel"] or match["scancel_simple"] or match["lcancel"]
    return ParsedTag(
        artifact, UNASSIGN if cancelled else ASSIGN, stage=match["stage"], counter=int(counter) if counter else None
    )


# Tags built from the pieces the grammar turns on, so that most are near misses.
_PIECES = st.sampled_from(
    [
        "a",
        "Z",
        "9",
        "-",
        "_",
        "/",
        ".",
        "..",
        "=",
        "@",
        "#",
        "!",
        "v1",
        ".0",
        ".2",
        "-rc",
        "+b7",
        "deprecated",
        "prod",
        "#3",
        "@v1.0.0",
        "#prod#3",
        "churn",
        "dir/x=",
        " ",
    ]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_PIECES, max_size=8).map("".join))
def test_parsing_by_sides_agrees_with_the_whole_grammar(tag: str) -> None:
    assert parse_tag(tag) == _by_whole_pattern(tag)
    assert parse_tag(tag) == _by_whole_pattern(tag)  # a second time, from what was remembered


def test_remembered_sides_are_bounded_and_forgetting_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tags, "_REMEMBERED_LIMIT", 3)
    names = [f"a{n}#s{n}#{n}" for n in range(10)] + ["bad-@v1.0.0", "x@v1.0"]
    for _ in range(2):
        assert [parse_tag(name) for name in names] == [_by_whole_pattern(name) for name in names]
    assert len(tags._artifact_parts) <= 3 and len(tags._shapes) <= 3


@pytest.mark.parametrize(
    ("tag", "written"),
    [
        (ParsedTag("churn", REG, version="v1.2.0"), "churn@v1.2.0"),
        (ParsedTag("churn", REG, version="v1.2.0", counter=2), "churn@v1.2.0#2"),
        (ParsedTag("churn", DEREG, version="v1.2.0"), "churn@v1.2.0!"),
        (ParsedTag("churn", DEREG, version="v1.2.0", counter=9), "churn@v1.2.0!#9"),
        (ParsedTag("churn", ASSIGN, stage="prod", counter=3), "churn#prod#3"),
        (ParsedTag("churn", ASSIGN, stage="prod"), "churn#prod"),
        (ParsedTag("churn", UNASSIGN, stage="prod", counter=4), "churn#prod!#4"),
        (ParsedTag("churn", UNASSIGN, stage="prod"), "churn#prod!"),
        (ParsedTag("churn", DEPR), "churn@deprecated"),
        (ParsedTag("churn", DEPR, counter=5), "churn@deprecated#5"),
        (ParsedTag("models/nlp:churn", REG, version="v1.0.0"), "models/nlp=churn@v1.0.0"),
    ],
)
def test_format_round_trips(tag: ParsedTag, written: str) -> None:
    assert format_tag(tag) == written
    assert parse_tag(written) == tag


def test_wrong_documented_form_is_never_written() -> None:
    parsed = parse_tag("churn#prod#3!")
    assert parsed is not None
    assert format_tag(parsed) == "churn#prod!#3"


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("churn", True),
        ("a", True),
        ("A1", True),
        ("my-model", True),
        ("my_model", True),
        ("nlp/churn", True),
        ("a-b_c/d", True),
        ("-a", False),
        ("a-", False),
        ("a_", False),
        ("/a", False),
        ("a/", False),
        ("a.b", False),
        ("a b", False),
        ("a@b", False),
        ("a#b", False),
        ("", False),
        ("é", False),
    ],
)
def test_names(name: str, valid: bool) -> None:
    assert is_valid_name(name) is valid
    if valid:
        assert check_name(name, "stage name") == name
    else:
        with pytest.raises(InvalidNameError, match="Invalid stage name"):
            check_name(name, "stage name")


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("churn", True),
        ("models/nlp:churn", True),
        ("./x:y", True),
        ("a..b:c", True),
        ("../x:churn", False),
        ("a/../b:churn", False),
        (":churn", False),
        ("x:-churn", False),
        ("a:b:c", False),
    ],
)
def test_artifact_names(name: str, valid: bool) -> None:
    assert is_valid_artifact(name) is valid
    if not valid:
        with pytest.raises(InvalidNameError, match=f"Invalid artifact name '{name}'"):
            check_artifact(name)


def test_next_counter_is_per_artifact_across_actions_and_stages() -> None:
    tags = ["rf#prod#1", "rf#staging#2", "rf@v1.0.0", "rf#prod!#7", "other#prod#40", "rf@deprecated#3", "x"]
    assert next_counter(tags, "rf") == 8
    assert next_counter(tags, "other") == 41
    assert next_counter(tags, "new") == 1
    assert next_counter(["d=rf#prod#5", "rf#prod#2"], "d:rf") == 6


def test_tag_patterns_match_every_tag_of_an_artifact_and_no_other() -> None:
    assert tag_patterns(None) == tag_patterns([]) == []
    assert tag_patterns(["dir/x:a", "b"]) == ["b@*", "b#*", "b#*/**", "dir/x=a@*", "dir/x=a#*", "dir/x=a#*/**"]
    with pytest.raises(InvalidNameError):
        tag_patterns(["a*"])

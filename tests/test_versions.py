"""SemVer 2.0.0 parsing, precedence and bumping of GTO versions."""

from __future__ import annotations

import pytest

from gto.errors import InvalidVersionError
from gto.versions import Part, Version, bump, is_version, parse_version, version_sort_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v1.2.3", Version(1, 2, 3)),
        ("v0.0.0", Version(0, 0, 0)),
        ("v10.20.30", Version(10, 20, 30)),
        ("v1.0.0-rc.1", Version(1, 0, 0, ("rc", "1"))),
        ("v1.0.0-alpha-a.b-c", Version(1, 0, 0, ("alpha-a", "b-c"))),
        ("v2.0.0+build.7", Version(2, 0, 0, (), ("build", "7"))),
        ("v1.0.0-rc.1+exp.sha.5114f85", Version(1, 0, 0, ("rc", "1"), ("exp", "sha", "5114f85"))),
        ("v1.0.0+001", Version(1, 0, 0, (), ("001",))),
        ("v1.0.0-0A.is.legal", Version(1, 0, 0, ("0A", "is", "legal"))),
    ],
)
def test_parse_valid(text: str, expected: Version) -> None:
    assert parse_version(text) == expected
    assert parse_version(text).text == text
    assert is_version(text)


@pytest.mark.parametrize(
    "text",
    [
        "1.2.3",
        "V1.2.3",
        "v1.2",
        "v1",
        "v01.2.3",
        "v1.02.3",
        "v1.2.03",
        "v1.2.3-01",
        "v1.2.3-",
        "v1.2.3+",
        "v1.2.3-rc..1",
        "v1.2.3 ",
        "",
        "latest",
        "v1.2.3.4",
    ],
)
def test_parse_invalid(text: str) -> None:
    assert not is_version(text)
    with pytest.raises(InvalidVersionError) as error:
        parse_version(text)
    assert str(error.value) == f"Supplied version '{text}' cannot be parsed"


def test_precedence_follows_semver_spec_example() -> None:
    # The ordering example of SemVer 2.0.0 §11, plus build metadata that must not matter.
    ordered = [
        "v1.0.0-alpha",
        "v1.0.0-alpha.1",
        "v1.0.0-alpha.beta",
        "v1.0.0-beta",
        "v1.0.0-beta.2",
        "v1.0.0-beta.11",
        "v1.0.0-rc.1",
        "v1.0.0",
        "v1.0.1",
        "v1.1.0",
        "v2.0.0",
        "v10.0.0",
    ]
    shuffled = list(reversed(ordered))
    assert sorted(shuffled, key=version_sort_key) == ordered


def test_build_metadata_does_not_change_precedence() -> None:
    key_plain = version_sort_key("v1.0.0")
    key_build = version_sort_key("v1.0.0+build.9")
    assert key_plain[:2] == key_build[:2]


def test_hexsha_versions_sort_below_semver() -> None:
    items = ["a" * 40, "v0.0.1", "v1.0.0-rc.1"]
    assert sorted(items, key=version_sort_key, reverse=True) == ["v1.0.0-rc.1", "v0.0.1", "a" * 40]


@pytest.mark.parametrize(
    ("text", "part", "expected"),
    [
        ("v1.2.3", Part.PATCH, "v1.2.4"),
        ("v1.2.3", Part.MINOR, "v1.3.0"),
        ("v1.2.3", Part.MAJOR, "v2.0.0"),
        ("v1.2.3-rc.1+b.2", Part.PATCH, "v1.2.4"),
        ("v1.2.3-rc.1", Part.MINOR, "v1.3.0"),
        ("v0.9.9+x", Part.MAJOR, "v1.0.0"),
    ],
)
def test_bump(text: str, part: Part, expected: str) -> None:
    assert bump(parse_version(text), part).text == expected

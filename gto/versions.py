"""SemVer 2.0.0 versions as GTO writes them: a lower-case ``v`` followed by the SemVer string.

Pure: parsing, precedence and bumping of plain strings. Nothing here knows about git or tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from gto.errors import InvalidVersionError

_NUMBER = r"0|[1-9]\d*"
_PRE_IDENT = r"(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
_BUILD_IDENT = r"[0-9a-zA-Z-]+"

# The pattern is exported for the tag grammar, which embeds it inside tag shapes.
VERSION_PATTERN = (
    rf"v(?:{_NUMBER})\.(?:{_NUMBER})\.(?:{_NUMBER})"
    rf"(?:-{_PRE_IDENT}(?:\.{_PRE_IDENT})*)?"
    rf"(?:\+{_BUILD_IDENT}(?:\.{_BUILD_IDENT})*)?"
)

_VERSION_RE = re.compile(
    rf"v(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<pre>{_PRE_IDENT}(?:\.{_PRE_IDENT})*))?"
    rf"(?:\+(?P<build>{_BUILD_IDENT}(?:\.{_BUILD_IDENT})*))?"
)


class Part(StrEnum):
    """The SemVer component a bump increments."""

    MAJOR = "major"
    MINOR = "minor"
    PATCH = "patch"


@dataclass(frozen=True, slots=True)
class Version:
    """A parsed version; ``text`` is exactly what was parsed (``v1.2.3-rc.1``)."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        text = f"v{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def __str__(self) -> str:
        return self.text


def is_version(text: str) -> bool:
    """Tell whether ``text`` is a GTO version such as ``v1.2.3`` or ``v1.0.0-rc.1+b7``."""
    return _VERSION_RE.fullmatch(text) is not None


def parse_version(text: str) -> Version:
    """Parse a GTO version; ``1.2.3``, ``V1.2.3`` and ``v1.2`` are not versions."""
    match = _VERSION_RE.fullmatch(text)
    if match is None:
        raise InvalidVersionError(f"Supplied version '{text}' cannot be parsed")
    pre = match["pre"]
    build = match["build"]
    return Version(
        int(match["major"]),
        int(match["minor"]),
        int(match["patch"]),
        tuple(pre.split(".")) if pre else (),
        tuple(build.split(".")) if build else (),
    )


def _identifier_key(identifier: str) -> tuple[int, int, str]:
    # Numeric identifiers sort numerically and below alphanumeric ones (SemVer §11.4).
    if identifier.isdigit():
        return (0, int(identifier), "")
    return (1, 0, identifier)


def precedence_key(version: Version) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
    """A sort key that orders versions by SemVer precedence; build metadata is ignored.

    A release sorts above its pre-releases, so it gets the flag 1 and an empty tuple.
    """
    if not version.prerelease:
        return (version.major, version.minor, version.patch, 1, ())
    return (
        version.major,
        version.minor,
        version.patch,
        0,
        tuple(_identifier_key(identifier) for identifier in version.prerelease),
    )


def version_sort_key(
    text: str,
) -> tuple[int, tuple[int, int, int, int, tuple[tuple[int, int, str], ...]], str]:
    """Key for any version-like string: SemVer ones by precedence, others (commit hexshas) below.

    Sorting with ``reverse=True`` gives the registry's order: greatest SemVer first, then the
    unregistered hexsha versions. The text itself breaks ties so the order is total.
    """
    key = _sort_keys.get(text)
    if key is None:
        match = _VERSION_RE.fullmatch(text)
        if match is None:
            key = (0, (0, 0, 0, 0, ()), text)
        else:
            major, minor, patch, pre, _ = match.groups()
            if pre:
                rank = (int(major), int(minor), int(patch), 0, tuple(_identifier_key(i) for i in pre.split(".")))
            else:
                rank = (int(major), int(minor), int(patch), 1, ())
            key = (1, rank, text)
        if len(_sort_keys) >= _SORT_KEYS_LIMIT:
            _sort_keys.clear()
        _sort_keys[text] = key
    return key


# Registries sort the same versions again and again (every read, every rebuild in a daemon):
# keys are remembered, within a bound.
_sort_keys: dict[str, tuple[int, tuple[int, int, int, int, tuple[tuple[int, int, str], ...]], str]] = {}
_SORT_KEYS_LIMIT = 1 << 18


def bump(version: Version, part: Part) -> Version:
    """Increment one part; the lower parts reset and pre-release and build parts are dropped."""
    if part is Part.MAJOR:
        return Version(version.major + 1, 0, 0)
    if part is Part.MINOR:
        return Version(version.major, version.minor + 1, 0)
    # A patch bump of a pre-release would normally release it; GTO always moves forward.
    return Version(version.major, version.minor, version.patch + 1)

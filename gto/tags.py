"""The GTO tag grammar (SPEC §2): names, tag shapes, parsing and formatting.

Pure: it turns strings into ``ParsedTag`` values and back. It never runs git; the raw facts
git gives about a tag arrive here as ``TagRecord`` values built by ``gto.git``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, TypeVar

from gto.errors import InvalidNameError
from gto.versions import VERSION_PATTERN

NAME_PATTERN = r"[a-zA-Z0-9](?:[a-zA-Z0-9_/-]*[a-zA-Z0-9])?"
DIR_PATTERN = r"[a-zA-Z0-9_./-]+"

_NAME_RE = re.compile(NAME_PATTERN)
_ARTIFACT_RE = re.compile(rf"(?:(?P<dir>{DIR_PATTERN}):)?(?P<name>{NAME_PATTERN})")

# A registry tag is its artifact part (with "=" instead of ":", which git ref names cannot
# hold), then a shape that starts with "@" or "#", characters no artifact part contains: so a tag
# splits at its first "@" or "#", and each side is matched alone. The sides repeat across a
# registry (the same artifact on hundreds of tags, the same "@v1.0.0" or "#prod#3" on hundreds of
# artifacts), so what each side means is remembered (``_artifact_parts``, ``_shapes``).
_TAG_ARTIFACT_RE = re.compile(rf"(?:(?P<dir>{DIR_PATTERN})=)?(?P<name>{NAME_PATTERN})")
_TAG_SHAPE_RE = re.compile(
    rf"@(?P<version>{VERSION_PATTERN})(?P<vcancel>!)?(?:#(?P<vcounter>\d+))?"
    r"|@(?P<deprecated>deprecated)(?:#(?P<dcounter>\d+))?"
    rf"|#(?P<stage>{NAME_PATTERN})(?:(?P<scancel>!)?#(?P<scounter>\d+)|(?P<scancel_simple>!)|#(?P<lcounter>\d+)(?P<lcancel>!))?"
)


class Action(StrEnum):
    """What a registry tag does."""

    REGISTER = "register"
    DEREGISTER = "deregister"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    DEPRECATE = "deprecate"


@dataclass(frozen=True, slots=True)
class ParsedTag:
    """The meaning of a registry tag name.

    ``artifact`` uses the monorepo form ``DIR:NAME`` (never ``=``). ``version`` is set for
    register/deregister, ``stage`` for assign/unassign; ``counter`` is None for simple tags.
    """

    artifact: str
    action: Action
    version: str | None = None
    stage: str | None = None
    counter: int | None = None


class TagRecord(NamedTuple):
    """What git says about one tag, as read in bulk by ``gto.git``.

    ``commit`` is the commit the tag points to after peeling tag chains, or None when it
    points at a tree or blob. Lightweight tags have ``annotated=False`` and empty tagger fields.
    ``created_at`` is the tagger date with its own UTC offset, at second precision.
    """

    name: str
    annotated: bool
    commit: str | None
    tagger_name: str = ""
    tagger_email: str = ""
    created_at: datetime | None = None
    message: str = ""


def is_valid_name(name: str) -> bool:
    """Tell whether ``name`` is a valid stage, type, label or artifact short name."""
    return _NAME_RE.fullmatch(name) is not None


def is_valid_artifact(name: str) -> bool:
    """Tell whether ``name`` is ``NAME`` or the monorepo form ``DIR:NAME``."""
    match = _ARTIFACT_RE.fullmatch(name)
    return match is not None and _dir_is_valid(match["dir"])


def _dir_is_valid(directory: str | None) -> bool:
    return directory is None or ".." not in directory.split("/")


def check_name(name: str, what: str = "name") -> str:
    """Return ``name`` or raise ``InvalidNameError`` naming ``what`` it was meant to be."""
    if not is_valid_name(name):
        raise InvalidNameError(f"Invalid {what} '{name}': use letters and digits, with '-', '_' or '/' only inside")
    return name


def check_artifact(name: str) -> str:
    """Return ``name`` or raise ``InvalidNameError`` for an artifact name that breaks §2.1."""
    if not is_valid_artifact(name):
        raise InvalidNameError(
            f"Invalid artifact name '{name}': use NAME or DIR:NAME, where NAME has letters and"
            " digits with '-', '_' or '/' only inside"
        )
    return name


def parse_tag(tag: str) -> ParsedTag | None:
    """Parse a tag name; anything that is not a registry tag gives None, never an error.

    Accepts ``refs/tags/`` prefixes. Reads the wrong-but-documented ``A#S#N!`` as an
    unassignment, although it is never written.
    """
    parts = parse_tag_parts(tag)
    return ParsedTag(*parts) if parts is not None else None


# What ``parse_tag_parts`` returns: the fields of ``ParsedTag``, in its order.
TagParts = tuple[str, Action, str | None, str | None, int | None]


def parse_tag_parts(tag: str) -> TagParts | None:
    """``parse_tag`` as a plain tuple ``(artifact, action, version, stage, counter)``.

    A full read of the registry parses every tag once and needs no ``ParsedTag`` value for it:
    this runs 100,000 times on big registries, hence the remembered sides (see above).
    """
    if tag.startswith("refs/tags/"):
        tag = tag[len("refs/tags/") :]
    at = tag.find("@")
    hash_ = tag.find("#")
    split = at if hash_ < 0 or 0 <= at < hash_ else hash_
    if split <= 0:
        return None
    artifact_part = tag[:split]
    artifact = _artifact_parts.get(artifact_part)
    if artifact is None:
        artifact = _remember(_artifact_parts, artifact_part, _read_artifact_part(artifact_part))
    shape_part = tag[split:]
    shape = _shapes.get(shape_part)
    if shape is None:
        shape = _remember(_shapes, shape_part, _read_shape(shape_part))
    if not artifact or not shape:
        return None
    return (artifact,) + shape  # type: ignore[return-value]


# Sides already read: the artifact part's artifact ("" when invalid), the shape's
# ``(action, version, stage, counter)`` (() when invalid). Bounded: a side beyond the bound
# empties the memory first.
_artifact_parts: dict[str, str] = {}
_shapes: dict[str, tuple[Action, str | None, str | None, int | None] | tuple[()]] = {}
_REMEMBERED_LIMIT = 1 << 16

_Side = TypeVar("_Side")


def _remember(memory: dict[str, _Side], key: str, value: _Side) -> _Side:
    if len(memory) >= _REMEMBERED_LIMIT:
        memory.clear()
    memory[key] = value
    return value


def _read_artifact_part(text: str) -> str:
    """The artifact an artifact part names (``DIR=NAME`` gives ``DIR:NAME``), or "" when invalid."""
    match = _TAG_ARTIFACT_RE.fullmatch(text)
    if match is None:
        return ""
    directory, name = match.groups()
    if directory is None:
        return name
    return f"{directory}:{name}" if _dir_is_valid(directory) else ""


def _read_shape(text: str) -> tuple[Action, str | None, str | None, int | None] | tuple[()]:
    """What the part of a tag from its first "@" or "#" says, or () when it is no GTO shape."""
    match = _TAG_SHAPE_RE.fullmatch(text)
    if match is None:
        return ()
    (
        version,
        vcancel,
        vcounter,
        deprecated,
        dcounter,
        stage,
        scancel,
        scounter,
        scancel_simple,
        lcounter,
        lcancel,
    ) = match.groups()
    if version:
        return (Action.DEREGISTER if vcancel else Action.REGISTER, version, None, _counter(vcounter))
    if deprecated:
        return (Action.DEPRECATE, None, None, _counter(dcounter))
    cancelled = scancel or scancel_simple or lcancel
    return (Action.UNASSIGN if cancelled else Action.ASSIGN, None, stage, _counter(scounter or lcounter))


def _counter(digits: str | None) -> int | None:
    return int(digits) if digits is not None else None


def tag_artifact(artifact: str) -> str:
    """The artifact as written inside a tag name: ``DIR:NAME`` becomes ``DIR=NAME``."""
    return artifact.replace(":", "=", 1)


def tag_patterns(artifacts: Iterable[str] | None) -> list[str]:
    """Tag name patterns (as ``git for-each-ref`` matches ref names) that match every tag of ``artifacts``.

    None means every tag: no pattern. Every registry tag of an artifact starts with its tag form
    and ``@`` or ``#``, and no other artifact's tag can (names hold no ``@``, ``#`` or ``=``).
    In git patterns ``*`` stops at ``/``, which stage names may contain, hence the ``/**`` form.
    Names are checked first: a valid name holds no glob character.
    """
    patterns: list[str] = []
    for artifact in sorted(artifacts or ()):
        base = tag_artifact(check_artifact(artifact))
        patterns += [f"{base}@*", f"{base}#*", f"{base}#*/**"]
    return patterns


def format_tag(tag: ParsedTag) -> str:
    """Write the tag name for ``tag``, always in the shapes other GTO readers understand."""
    base = tag_artifact(tag.artifact)
    suffix = f"#{tag.counter}" if tag.counter is not None else ""
    if tag.action is Action.REGISTER:
        return f"{base}@{tag.version}{suffix}"
    if tag.action is Action.DEREGISTER:
        return f"{base}@{tag.version}!{suffix}"
    if tag.action is Action.DEPRECATE:
        return f"{base}@deprecated{suffix}"
    if tag.action is Action.ASSIGN:
        return f"{base}#{tag.stage}{suffix}"
    return f"{base}#{tag.stage}!{suffix}"


def artifact_of_tag(tag: str) -> str | None:
    """The artifact a registry-shaped tag name belongs to, for counter allocation."""
    parsed = parse_tag(tag)
    return parsed.artifact if parsed else None


def next_counter(tag_names: Iterable[str], artifact: str) -> int:
    """1 + the greatest counter among all tags of ``artifact`` (any action, stage or kind), or 1.

    Lightweight tags count too: a name they took cannot be used by an annotated tag.
    """
    greatest = 0
    for name in tag_names:
        parsed = parse_tag(name)
        if parsed is not None and parsed.artifact == artifact and parsed.counter is not None:
            greatest = max(greatest, parsed.counter)
    return greatest + 1

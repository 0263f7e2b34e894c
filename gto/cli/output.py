"""Formatting of command results: tables, JSON shapes and messages (SPEC §5.1).

Every function here is pure: it takes result values from ``gto.api`` and returns the text to
print, without a trailing newline. Nothing here writes to a stream, reads the environment or
calls git, so the CLI and a daemon answering for it produce byte-identical text.

The JSON shapes built here are a public interface that CI scripts parse; ``docs/cli.md``
documents each of them and the tests pin them.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gto.annotations import Annotation
    from gto.api import DoctorReport, TagChange, WriteResult
    from gto.queries import EventInfo, RefEvent, RegistryView, VersionInfo
    from gto.tags import ParsedTag

NOTHING_FOUND = "Nothing found in the current workspace"
MISSING = "-"
ERROR_EMOJI = "❌ "
WARNING_EMOJI = "⚠️ "
SUCCESS_EMOJI = "✅ "

_HEXSHA = re.compile(r"[0-9a-f]{40}")


# --- primitives ----------------------------------------------------------------------------


def to_json(value: Any) -> str:
    """The one JSON encoding every command uses."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def prefixed(emoji: str, message: str, emojis: bool) -> str:
    """``message`` behind ``emoji``, or bare when emojis are switched off."""
    return f"{emoji}{message}" if emojis else message


def error_line(message: str, emojis: bool) -> str:
    return prefixed(ERROR_EMOJI, message, emojis)


def warning_line(message: str, emojis: bool) -> str:
    return prefixed(WARNING_EMOJI, message, emojis)


def shorten(value: str) -> str:
    """Shorten a full commit hexsha to 7 characters; every other string (SemVer too) stays whole."""
    return value[:7] if _HEXSHA.fullmatch(value) else value


def cell(value: str | Sequence[str] | None) -> str:
    """A table cell: ``-`` for missing values, lists joined by ``, ``, hexshas shortened."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        return shorten(value) if value else MISSING
    return ", ".join(shorten(item) for item in value) if value else MISSING


def table_time(moment: datetime, zone: tzinfo | None = None) -> str:
    """A time as tables show it: ``YYYY-MM-DD HH:MM:SS`` in the reader's zone (system zone if None)."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def json_time(moment: datetime) -> str:
    """A time as JSON shows it: ISO 8601 with the tagger's own UTC offset, second precision."""
    return moment.replace(microsecond=0).isoformat()


def _widths(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    # The seed README's tables (tabulate) keep two spare columns after every header.
    widths = [len(header) + 2 for header in headers]
    for row in rows:
        for index, text in enumerate(row):
            widths[index] = max(widths[index], len(text))
    return widths


def box_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A box table in the seed README style: ``╒═╤╕ │ ╞═╪╡ ╘═╧╛``, cells left aligned."""
    widths = _widths(headers, rows)

    def rule(left: str, middle: str, right: str) -> str:
        return left + middle.join("═" * (width + 2) for width in widths) + right

    def line(values: Sequence[str]) -> str:
        return "│" + "│".join(f" {value.ljust(width)} " for value, width in zip(values, widths, strict=True)) + "│"

    lines = [rule("╒", "╤", "╕"), line(headers), rule("╞", "╪", "╡")]
    lines.extend(line(row) for row in rows)
    lines.append(rule("╘", "╧", "╛"))
    return "\n".join(lines)


def plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The same columns as ``box_table`` without borders: joined by two spaces, no trailing spaces."""
    widths = _widths(headers, rows)
    return "\n".join(
        "  ".join(value.ljust(width) for value, width in zip(values, widths, strict=True)).rstrip()
        for values in [headers, *rows]
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], plain: bool) -> str:
    """A box or plain table, or the empty-result sentence when there are no rows."""
    if not rows:
        return NOTHING_FOUND
    return plain_table(headers, rows) if plain else box_table(headers, rows)


def lines(values: Iterable[str]) -> str:
    return "\n".join(values)


# --- show ----------------------------------------------------------------------------------

REGISTRY_HEADERS = ("name", "latest")
VERSION_HEADERS = ("artifact", "version", "stage", "created_at", "ref")


def registry_rows(view: RegistryView) -> tuple[list[str], list[list[str]]]:
    """Headers and cells of ``show``: name, latest and one ``#stage`` column per stage column."""
    headers = [*REGISTRY_HEADERS, *(f"#{stage}" for stage in view.stages)]
    rows = [
        [row.name, cell(row.latest), *(cell(row.stages.get(stage, ())) for stage in view.stages)]
        for row in view.artifacts
    ]
    return headers, rows


def registry_json(view: RegistryView) -> str:
    """``show --json``: ``{artifact: {version, stage: {stage: "v1, v2"|null}, registered, active}}``."""
    payload = {
        row.name: {
            "version": row.latest,
            "stage": {stage: ", ".join(row.stages[stage]) if row.stages.get(stage) else None for stage in view.stages},
            "registered": row.registered,
            "active": not row.deprecated,
        }
        for row in view.artifacts
    }
    return to_json(payload)


def version_rows(versions: Sequence[VersionInfo], zone: tzinfo | None) -> list[list[str]]:
    """Cells of ``show NAME``: artifact, version, stage, created_at, ref."""
    return [
        [v.artifact, cell(v.version), cell(v.stages), table_time(v.created_at, zone), cell(v.ref)] for v in versions
    ]


def versions_json(versions: Sequence[VersionInfo]) -> str:
    """``show NAME --json``: a list of version objects."""
    return to_json(
        [
            {
                "artifact": v.artifact,
                "version": v.version,
                "stage": ", ".join(v.stages) if v.stages else None,
                "created_at": json_time(v.created_at),
                "ref": v.ref,
                "commit": v.commit,
                "registered": v.registered,
                "author": v.author,
                "author_email": v.author_email,
            }
            for v in versions
        ]
    )


def version_field(version: VersionInfo, field: str) -> str:
    """One column of ``show NAME`` for ``--name/--version/--stage/--ref``, unshortened."""
    if field == "name":
        return version.artifact
    if field == "version":
        return version.version
    if field == "stage":
        return ", ".join(version.stages) if version.stages else MISSING
    return version.ref or MISSING


# --- history -------------------------------------------------------------------------------

HISTORY_HEADERS = ("timestamp", "artifact", "event", "version", "stage", "commit", "ref")


def history_rows(events: Sequence[EventInfo], zone: tzinfo | None) -> list[list[str]]:
    return [
        [
            table_time(e.timestamp, zone),
            e.artifact,
            e.event,
            cell(e.version),
            cell(e.stage),
            cell(e.commit),
            cell(e.ref),
        ]
        for e in events
    ]


def history_json(events: Sequence[EventInfo]) -> str:
    """``history --json``: a list of event objects, in the order shown."""
    return to_json(
        [
            {
                "timestamp": json_time(e.timestamp),
                "artifact": e.artifact,
                "event": e.event,
                "version": e.version,
                "stage": e.stage,
                "commit": e.commit,
                "author": e.author,
                "author_email": e.author_email,
                "message": e.message,
                "ref": e.ref,
            }
            for e in events
        ]
    )


# --- check-ref -----------------------------------------------------------------------------


def ref_event_json(event: RefEvent) -> str:
    """``check-ref --json``: the event; ``version`` and ``stage`` only when they apply."""
    payload: dict[str, Any] = {"artifact": event.artifact, "event": event.event}
    if event.version is not None:
        payload["version"] = event.version
    if event.stage is not None:
        payload["stage"] = event.stage
    payload.update(
        created_at=json_time(event.created_at),
        author=event.author,
        author_email=event.author_email,
        message=event.message,
        commit_hexsha=event.commit_hexsha,
        tag=event.tag,
    )
    return to_json(payload)


def ref_event_text(event: RefEvent, emojis: bool) -> str:
    """The human sentence ``check-ref`` prints for one registry event."""
    if event.event == "registration":
        text = f'Version "{event.version}" of artifact "{event.artifact}" was registered'
    elif event.event == "deregistration":
        text = f'Version "{event.version}" of artifact "{event.artifact}" was deregistered'
    elif event.event == "assignment":
        text = f'Stage "{event.stage}" was assigned to version "{event.version}" of artifact "{event.artifact}"'
    elif event.event == "unassignment":
        text = f'Stage "{event.stage}" was unassigned from version "{event.version}" of artifact "{event.artifact}"'
    else:
        text = f'Artifact "{event.artifact}" was deprecated'
    return prefixed(SUCCESS_EMOJI, text, emojis)


def ref_event_field(event: RefEvent, field: str) -> str | None:
    """One field for ``--name/--version/--stage/--event``; None prints nothing."""
    return {"name": event.artifact, "version": event.version, "stage": event.stage, "event": event.event}[field]


# --- writes --------------------------------------------------------------------------------


def _created(change: TagChange) -> str:
    what = {
        "register": "registers a version",
        "deregister": "deregisters a version",
        "assign": f"assigns a stage to '{change.version}'",
        "unassign": f"unassigns a stage from '{change.version}'",
        "deprecate": "deprecates an artifact",
    }[change.action.value]
    return f"Created git tag '{change.tag}' that {what}"


def _deleted(change: TagChange) -> str:
    what = {
        "register": "registered a version",
        "deregister": "deregistered a version",
        "assign": f"assigned a stage to '{change.version}'",
        "unassign": f"unassigned a stage from '{change.version}'",
        "deprecate": "deprecated an artifact",
    }[change.action.value]
    return f"Deleted git tag '{change.tag}' that {what}."


def quote_tags(tags: Iterable[str]) -> str:
    """Tags as shell words: ``#`` and ``!`` are special to shells, so such names get quoted."""
    return " ".join(shlex.quote(tag) for tag in tags)


def _listed(tags: Iterable[str]) -> str:
    return ", ".join(f"'{tag}'" for tag in tags)


def _the_tags(tags: Sequence[str]) -> str:
    return f"The tag {_listed(tags)} was" if len(tags) == 1 else f"The tags {_listed(tags)} were"


@dataclass(frozen=True)
class WriteReport:
    """The text of a write: ``stdout`` always, ``stderr`` only when pushing failed."""

    stdout: str
    stderr: str
    failed: bool


def write_report(result: WriteResult, remote: str, emojis: bool) -> WriteReport:
    """What a tag-writing command prints: each change, then the push hint or the push outcome."""
    out = [_created(change) for change in result.created]
    out.extend(_deleted(change) for change in result.deleted)
    created = [change.tag for change in result.created]
    deleted = [change.tag for change in result.deleted]
    err: list[str] = []
    if result.push_error is not None:
        err.append(error_line(result.push_error, emojis))
        if created:
            err.append(f"{_the_tags(created)} created locally but not pushed to '{result.remote}'")
        if deleted:
            err.append(f"{_the_tags(deleted)} deleted locally but not on '{result.remote}'")
    elif result.pushed:
        if created:
            out.append(f"Pushed tags {_listed(created)} to remote '{result.remote}'")
        if deleted:
            out.append(f"Deleted tags {_listed(deleted)} on remote '{result.remote}'")
    elif created or deleted:
        out.append("To push the changes upstream, run:")
        if created:
            out.append(f"git push {shlex.quote(remote)} {quote_tags(created)}")
        if deleted:
            out.append(f"git push {shlex.quote(remote)} --delete {quote_tags(deleted)}")
    return WriteReport("\n".join(out), "\n".join(err), result.push_error is not None)


# --- describe, stages, parse-tag, doctor ---------------------------------------------------


def annotation_dict(annotation: Annotation) -> dict[str, Any]:
    """An ``artifacts.yaml`` entry with default fields omitted, as ``describe`` prints it."""
    return annotation.to_json()


def describe_field(annotation: Annotation, field: str) -> str | None:
    value = annotation_dict(annotation).get(field)
    if value is None:
        return None
    return value if isinstance(value, str) else to_json(value)


def parsed_tag_json(parsed: ParsedTag) -> str:
    """``parse-tag``: every part of the tag name, ``null`` where it does not apply."""
    return to_json(
        {
            "artifact": parsed.artifact,
            "action": parsed.action.value,
            "version": parsed.version,
            "stage": parsed.stage,
            "counter": parsed.counter,
        }
    )


def _config_value(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) if value else "[]"
    return str(value)


def doctor_text(report: DoctorReport) -> str:
    """``doctor``: version, repository, each config value with its source, then the problems."""
    out = [f"gto version: {report.gto_version}", f"repository: {report.repo}", "config:"]
    config_rows = [[item.key, _config_value(item.value), item.source] for item in report.config]
    out.extend("  " + row for row in plain_table(("key", "value", "source"), config_rows).splitlines())
    if report.problems:
        out.append(f"problems ({len(report.problems)}):")
        problem_rows = [[p.kind, p.where, p.message] for p in report.problems]
        out.extend("  " + row for row in plain_table(("kind", "where", "message"), problem_rows).splitlines())
    else:
        out.append("No problems found")
    return "\n".join(out)


def daemon_status_text(status: dict[str, Any]) -> str:
    """``gto daemon status``: one aligned ``label  value`` line per fact of the ``gto/status`` answer."""
    memory = status.get("memory_rss")
    rows = [
        ("pid", str(status["pid"])),
        ("socket", str(status.get("socket") or MISSING)),
        ("repository", str(status["repo"])),
        ("uptime", _duration(float(status["uptime"]))),
        ("tags", str(status["tag_count"])),
        ("artifacts", str(status["artifact_count"])),
        ("generation", str(status["generation"])),
        ("memory", f"{memory / (1 << 20):.1f} MiB" if isinstance(memory, int) else MISSING),
        ("clients", str(status["clients"])),
    ]
    if status.get("error"):
        rows.append(("error", str(status["error"])))
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def _duration(seconds: float) -> str:
    """``3d 4h 5m 6s``, leaving out leading zero units (``42s``, ``1m 0s``)."""
    remaining = int(seconds)
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if remaining >= size or parts:
            parts.append(f"{remaining // size}{unit}")
            remaining %= size
    parts.append(f"{remaining}s")
    return " ".join(parts)

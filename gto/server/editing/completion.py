"""Completion in ``artifacts.yaml`` and ``.gto``: what may be written at the cursor.

In ``artifacts.yaml``: at a top-level key, the artifacts that have tags but no entry yet; at a
field key, the fields the entry does not set; after ``type:``, the configured types (else the
types in use); after ``virtual:``, true and false; in a ``labels`` list, the labels used
elsewhere in the file. In ``.gto``: its keys, the stages assigned in the registry for
``stages``, and the types used in ``artifacts.yaml`` for ``types``.

Text being typed is often not valid YAML yet, so the place of the cursor is read from the lines
and their indentation, not from a parse. Pure: the caller passes the text, the cursor in ``Span``
coordinates, the config and the registry state; suggestions carry the span they replace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import yaml
from lsprotocol import types
from pygls.lsp.server import LanguageServer

from gto.annotations import FIELD_DESCRIPTIONS, FIELDS, Annotation
from gto.config import CONFIG_KEYS, DAEMON_KEYS, Config
from gto.positions import Span, is_string
from gto.server.editing.outline import read_outline, split_lines
from gto.server.editing.session import DocumentKind, EditingSession
from gto.state import RegistryState


class SuggestionKind(StrEnum):
    """What a suggestion inserts; handlers map it to an LSP completion item kind."""

    ARTIFACT = "artifact"
    FIELD = "field"
    KEY = "key"
    TYPE = "type"
    STAGE = "stage"
    LABEL = "label"
    VALUE = "value"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One completion: ``new_text`` replaces the text of ``replace`` (the word before the cursor)."""

    label: str
    kind: SuggestionKind
    detail: str
    replace: Span
    new_text: str


CONFIG_DETAILS: Mapping[str, str] = {
    "types": "the allowed artifact types (absent: any)",
    "stages": "the allowed stages, also the columns of gto show",
    "emojis": "true or false: emoji in command output",
    "index": "the annotations file name (default artifacts.yaml)",
    "daemon": "daemon settings, e.g. {autostart: true}",
}
_BOOLEANS = ("true", "false")
# "key:" or "key: value" (keys may hold ':' as in DIR:NAME); list items and comments are not keys.
_KEY_LINE = re.compile(r"^(?P<indent>[ ]*)(?P<key>[^\s#'\"\[{\-][^#]*?)[ ]*:(?:[ ]|$)")
_VALUE_PREFIX = re.compile(r"^[ ]*(?P<key>[^\s#'\"\[{\-][^#]*?)[ ]*:[ ]+(?P<value>.*)$")
_ITEM_LINE = re.compile(r"^(?P<indent>[ ]*)-(?:[ ]|$)")
_WORD = re.compile(r"[^\s,\[\]{}:#'\"]*$")


@dataclass(frozen=True, slots=True)
class _Line:
    """A line of the text as completion sees it: indentation, the key it starts with, if any."""

    number: int
    text: str
    indent: int
    key: str | None
    item: bool
    rest: str = ""  # what follows "key:"

    @property
    def blank(self) -> bool:
        stripped = self.text.strip()
        return not stripped or stripped.startswith("#")


def _lines(text: str) -> list[_Line]:
    result = []
    for number, line in enumerate(split_lines(text)):
        match = _KEY_LINE.match(line)
        item = _ITEM_LINE.match(line)
        indent = len(line) - len(line.lstrip(" "))
        key = match["key"].strip() if match else None
        rest = line[match.end() :] if match else ""
        result.append(_Line(number, line, indent, key, item is not None, rest))
    return result


def _word_span(line: int, prefix: str) -> tuple[str, Span]:
    """The word that ends at the cursor and the span it covers."""
    word = _WORD.search(prefix)
    start = len(prefix) - len(word.group(0)) if word else len(prefix)
    return prefix[start:], Span(line, start, line, len(prefix))


def _in_comment(prefix: str) -> bool:
    return re.search(r"(^|\s)#", prefix) is not None


# -- artifacts.yaml ------------------------------------------------------------------------------


def annotations_completions(
    text: str,
    line: int,
    col: int,
    config: Config | None = None,
    state: RegistryState | None = None,
) -> list[Suggestion]:
    """What may be written at (``line``, ``col``) of an ``artifacts.yaml`` text."""
    lines = _lines(text)
    if line >= len(lines):
        return []
    prefix = lines[line].text[:col]
    if _in_comment(prefix):
        return []
    _, replace = _word_span(line, prefix)
    if not prefix.strip() or (":" not in prefix and not prefix.lstrip().startswith("-")):
        indent = len(prefix) - len(prefix.lstrip(" "))
        if indent == _margin(lines, line):
            return _artifact_names(text, lines, state, replace)
        owner = _owner(lines, line, indent)
        if owner is not None and owner.indent == _margin(lines, line) and _opens_block(owner):
            return _field_names(lines, owner, replace)
        return []
    value = _VALUE_PREFIX.match(prefix)
    if value is not None and _owner(lines, line, len(prefix) - len(prefix.lstrip(" "))) is not None:
        key = value["key"]
        if key == "type" and "[" not in value["value"]:
            return _types(text, config, state, replace)
        if key == "virtual":
            return [_value(word, replace) for word in _BOOLEANS]
        if key == "labels" and value["value"].startswith("["):
            return _labels(text, lines, line, replace)
        return []
    if _ITEM_LINE.match(prefix) and _list_key(lines, line) == "labels":
        return _labels(text, lines, line, replace)
    return []


def _margin(lines: Sequence[_Line], line: int) -> int:
    """The indentation of top-level keys: that of the first key line other than the cursor's."""
    return next((item.indent for item in lines if item.key is not None and item.number != line), 0)


def _owner(lines: Sequence[_Line], line: int, indent: int) -> _Line | None:
    """The nearest key line above ``line`` that is indented less than ``indent``."""
    for item in reversed(lines[:line]):
        if item.blank:
            continue
        if item.indent < indent:
            return item if item.key is not None else None
    return None


def _opens_block(line: _Line) -> bool:
    """Tell whether a key line leaves its value to the lines below (``rf:`` or ``rf: # note``)."""
    rest = line.rest.strip()
    return not rest or rest.startswith(("#", "&"))


def _block(lines: Sequence[_Line], owner: _Line) -> list[_Line]:
    """The lines of the block an owner key opens."""
    block = []
    for item in lines[owner.number + 1 :]:
        if item.blank:
            continue
        if item.indent <= owner.indent:
            break
        block.append(item)
    return block


def _list_key(lines: Sequence[_Line], line: int) -> str | None:
    """The key of the block list the item line ``line`` belongs to (``labels:`` then ``- a``)."""
    indent = lines[line].indent
    for item in reversed(lines[:line]):
        if item.blank or (item.item and item.indent == indent):
            continue
        if item.indent <= indent and item.key is not None and _opens_block(item):
            return item.key
        return None
    return None


def _artifact_names(text: str, lines: Sequence[_Line], state: RegistryState | None, replace: Span) -> list[Suggestion]:
    if state is None:
        return []
    # Keys at the top-level margin count even while the YAML is broken; the parse adds flow-style ones.
    margin = _margin(lines, replace.start_line)
    written = {item.key for item in lines if item.key is not None and item.indent == margin}
    written |= {entry.key for entry in read_outline(text).entries if entry.key is not None}
    suggestions = []
    for name in sorted(state.artifacts):
        artifact = state.artifacts[name]
        if name in written or not artifact.events:
            continue
        latest = artifact.latest
        detail = f"has tags (latest {latest.version})" if latest else "has tags, no entry yet"
        suggestions.append(Suggestion(name, SuggestionKind.ARTIFACT, detail, replace, f"{name}:"))
    return suggestions


def _field_names(lines: Sequence[_Line], owner: _Line, replace: Span) -> list[Suggestion]:
    block = _block(lines, owner)
    field_indent = min((item.indent for item in block if item.key is not None), default=None)
    present = {item.key for item in block if item.key is not None and item.indent == field_indent}
    return [
        Suggestion(name, SuggestionKind.FIELD, FIELD_DESCRIPTIONS[name], replace, f"{name}: ")
        for name in FIELDS
        if name not in present
    ]


def _types(text: str, config: Config | None, state: RegistryState | None, replace: Span) -> list[Suggestion]:
    if config is not None and config.types is not None:
        return [Suggestion(name, SuggestionKind.TYPE, "allowed by .gto", replace, name) for name in config.types]
    used: set[str] = set()
    if state is not None:
        used.update(a.annotation.type for a in state.artifacts.values() if a.annotation and a.annotation.type)
    for entry in read_outline(text).entries:
        field = entry.field("type")
        if field is not None and is_string(field.value):
            used.add(field.value.value)
    return [Suggestion(name, SuggestionKind.TYPE, "in use", replace, name) for name in sorted(used)]


def _value(word: str, replace: Span) -> Suggestion:
    return Suggestion(word, SuggestionKind.VALUE, "", replace, word)


def _labels(text: str, lines: Sequence[_Line], line: int, replace: Span) -> list[Suggestion]:
    """Labels used in the file, except those already in the list being edited."""
    outline = read_outline(text)
    if not outline.entries:
        # The line being typed often breaks the YAML; the rest of the file still tells the labels.
        outline = read_outline(
            "\n".join("" if number == line else item for number, item in enumerate(split_lines(text)))
        )
    used: dict[str, set[str]] = {}
    here = _listed(lines, line)
    for entry in outline.entries:
        field = entry.field("labels")
        if entry.key is None or field is None or not isinstance(field.value, yaml.SequenceNode):
            continue
        names = {item.value for item in field.value.value if is_string(item)}
        if entry.span.start_line <= line <= max(entry.span.end_line, field.span.end_line):
            here |= names
        for name in names:
            used.setdefault(name, set()).add(entry.key)
    return [
        Suggestion(name, SuggestionKind.LABEL, f"used by {', '.join(sorted(used[name]))}", replace, name)
        for name in sorted(used)
        if name not in here
    ]


# -- .gto -------------------------------------------------------------------------------------


def config_completions(
    text: str,
    line: int,
    col: int,
    state: RegistryState | None = None,
    annotations: Mapping[str, Annotation] | None = None,
) -> list[Suggestion]:
    """What may be written at (``line``, ``col``) of a ``.gto`` text."""
    lines = _lines(text)
    if line >= len(lines):
        return []
    prefix = lines[line].text[:col]
    if _in_comment(prefix):
        return []
    _, replace = _word_span(line, prefix)
    indent = len(prefix) - len(prefix.lstrip(" "))
    if ":" not in prefix and not prefix.lstrip().startswith("-"):
        if indent == _margin(lines, line):
            present = {item.key.lower() for item in lines if item.key is not None and item.indent == indent}
            return [
                Suggestion(key, SuggestionKind.KEY, CONFIG_DETAILS[key], replace, f"{key}: ")
                for key in CONFIG_KEYS
                if key not in present
            ]
        owner = _owner(lines, line, indent)
        if owner is not None and owner.key is not None and owner.key.lower() == "daemon":
            return [
                Suggestion(key, SuggestionKind.KEY, "start a daemon when needed", replace, f"{key}: ")
                for key in DAEMON_KEYS
            ]
        return []
    value = _VALUE_PREFIX.match(prefix)
    key = value["key"].lower() if value is not None else None
    if key is not None and value is not None:
        if key in ("emojis", "autostart"):
            return [_value(word, replace) for word in _BOOLEANS]
        if not value["value"].startswith("["):
            return []
    elif _ITEM_LINE.match(prefix):
        found = _list_key(lines, line)
        key = found.lower() if found is not None else None
    listed = _listed(lines, line)
    if key == "stages":
        return _names(_stages_in_use(state), listed, SuggestionKind.STAGE, replace)
    if key == "types":
        return _names(_types_in_use(state, annotations), listed, SuggestionKind.TYPE, replace)
    return []


def _listed(lines: Sequence[_Line], line: int) -> set[str]:
    """The names already written in the list around the cursor line (flow or block)."""
    names: set[str] = set()
    current = lines[line].text
    if "[" in current:
        names.update(part.strip() for part in current.split("[", 1)[1].strip("] ").split(",") if part.strip())
    indent = lines[line].indent
    for step in (-1, 1):
        number = line + step
        while 0 <= number < len(lines) and lines[number].item and lines[number].indent == indent:
            names.add(lines[number].text.strip()[1:].strip())
            number += step
    return names


def _names(used: Mapping[str, str], listed: set[str], kind: SuggestionKind, replace: Span) -> list[Suggestion]:
    return [Suggestion(name, kind, where, replace, name) for name, where in sorted(used.items()) if name not in listed]


def _stages_in_use(state: RegistryState | None) -> dict[str, str]:
    used: dict[str, str] = {}
    if state is None:
        return used
    for name in sorted(state.artifacts):
        for event in state.artifacts[name].events:
            if event.stage is not None:
                used.setdefault(event.stage, f"used by {name}")
    return used


def _types_in_use(state: RegistryState | None, annotations: Mapping[str, Annotation] | None) -> dict[str, str]:
    used: dict[str, str] = {}
    written: Mapping[str, Annotation | None] = annotations or {}
    at_head: Mapping[str, Annotation | None] = (
        {name: artifact.annotation for name, artifact in state.artifacts.items()} if state is not None else {}
    )
    for source in (written, at_head):
        for name in sorted(source):
            annotation = source[name]
            if annotation is not None and annotation.type is not None:
                used.setdefault(annotation.type, f"type of {name}")
    return used


# -- handler ----------------------------------------------------------------------------------

TRIGGER_CHARACTERS = [" ", "[", ","]
_KINDS = {
    SuggestionKind.ARTIFACT: types.CompletionItemKind.Module,
    SuggestionKind.FIELD: types.CompletionItemKind.Property,
    SuggestionKind.KEY: types.CompletionItemKind.Property,
    SuggestionKind.TYPE: types.CompletionItemKind.EnumMember,
    SuggestionKind.STAGE: types.CompletionItemKind.EnumMember,
    SuggestionKind.LABEL: types.CompletionItemKind.Value,
    SuggestionKind.VALUE: types.CompletionItemKind.Value,
}


def register(server: LanguageServer, session: EditingSession) -> None:
    """Answer ``textDocument/completion`` in the registry files."""

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS))
    def completion(params: types.CompletionParams) -> types.CompletionList | None:
        snapshot = session.snapshot()
        document = session.document(params.text_document.uri, snapshot)
        if document is None:
            return None
        line, col = document.positions.point(params.position)
        if document.kind is DocumentKind.ANNOTATIONS:
            suggestions = annotations_completions(document.text, line, col, snapshot.config, snapshot.state)
        else:
            annotations = session.work_tree_annotations(snapshot)
            suggestions = config_completions(document.text, line, col, snapshot.state, annotations)
        items = [
            types.CompletionItem(
                label=suggestion.label,
                kind=_KINDS[suggestion.kind],
                detail=suggestion.detail or None,
                sort_text=f"{index:04d}",
                text_edit=types.TextEdit(
                    range=document.positions.range(suggestion.replace), new_text=suggestion.new_text
                ),
            )
            for index, suggestion in enumerate(suggestions)
        ]
        return types.CompletionList(is_incomplete=False, items=items)

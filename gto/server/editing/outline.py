"""The outline of a registry file as written: top-level entries, their fields and where each is.

Every editing feature asks the same questions of the text in the editor: which artifact entry
holds this position, where is its ``labels`` list, which fields does it set. This module answers
them once, over the nodes that ``gto.positions`` composes, in the coordinates of ``Span``
(0-based lines as YAML counts them, columns in code points). It also splits text into lines the
way YAML does, so that features working on raw lines agree with the spans.

Pure: text in, values out. It does not judge the text (``gto.annotations`` and ``gto.config`` do)
and knows nothing of LSP or of the registry.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from gto.positions import Span, YamlEntry, is_null, mapping_entries, node_span, read_yaml

# The line breaks of YAML 1.1 as PyYAML reads them; "\r\n" counts as one.
LINE_BREAKS = "\r\n\x85\u2028\u2029"


@dataclass(frozen=True, slots=True)
class Field:
    """One key of an entry's mapping and its value, written in the entry itself (not merged)."""

    key: str | None
    key_span: Span
    value_span: Span
    value: yaml.Node
    duplicate: bool

    @property
    def span(self) -> Span:
        """From the key to the end of the value."""
        return _joined(self.key_span, self.value_span)


@dataclass(frozen=True, slots=True)
class Entry:
    """One top-level key and its value; ``fields`` is empty unless the value is a mapping."""

    key: str | None
    key_span: Span
    value_span: Span
    value: yaml.Node
    fields: tuple[Field, ...]
    duplicate: bool

    @property
    def span(self) -> Span:
        """From the key to the end of the value (the key alone when the value is an alias)."""
        return _joined(self.key_span, self.value_span)

    def field(self, name: str) -> Field | None:
        """The first field called ``name``."""
        return next((item for item in self.fields if item.key == name and not item.duplicate), None)


@dataclass(frozen=True, slots=True)
class Outline:
    """The entries of a YAML mapping text, in text order; empty when the text is not a mapping."""

    entries: tuple[Entry, ...]
    root: yaml.MappingNode | None = None

    def entry(self, key: str) -> Entry | None:
        """The first entry called ``key``."""
        return next((entry for entry in self.entries if entry.key == key and not entry.duplicate), None)

    def entry_at(self, line: int, col: int) -> Entry | None:
        """The entry whose text holds the position (its key line counts whole)."""
        for entry in self.entries:
            span = entry.span
            if span.start_line == line or contains(span, line, col):
                return entry
        return None


def read_outline(text: str) -> Outline:
    """The outline of ``text``; never raises. Merged (``<<``) entries are left out: their text lies elsewhere."""
    document = read_yaml(text)
    root = document.root
    if not isinstance(root, yaml.MappingNode):
        return Outline(())
    entries, _ = mapping_entries(root)
    return Outline(tuple(_entry(item) for item in entries if not item.merged), root)


def _entry(item: YamlEntry) -> Entry:
    fields: tuple[Field, ...] = ()
    if isinstance(item.value_node, yaml.MappingNode) and _written_after(item):
        children, _ = mapping_entries(item.value_node)
        fields = tuple(
            Field(child.key, child.key_span, child.value_span, child.value_node, child.duplicate_of is not None)
            for child in children
            if not child.merged
        )
    return Entry(item.key, item.key_span, _value_span(item), item.value_node, fields, item.duplicate_of is not None)


def _written_after(item: YamlEntry) -> bool:
    # An alias value points at text written earlier (under another key); it is not this entry's text.
    return item.value_node.start_mark.index > item.key_node.start_mark.index


def _value_span(item: YamlEntry) -> Span:
    value = item.value_node
    if not _written_after(item) or (is_null(value) and value.start_mark.index == value.end_mark.index):
        # "rf:" with nothing after it: the value is empty text right after the key.
        end = item.key_span
        return Span(end.end_line, end.end_col, end.end_line, end.end_col)
    return node_span(item.value_node)


def _joined(first: Span, second: Span) -> Span:
    end = max((first.end_line, first.end_col), (second.end_line, second.end_col))
    return Span(first.start_line, first.start_col, end[0], end[1])


def contains(span: Span, line: int, col: int) -> bool:
    """Tell whether the position lies in ``span``, its end included (a cursor just after a word)."""
    return (span.start_line, span.start_col) <= (line, col) <= (span.end_line, span.end_col)


def overlaps(first: Span, second: Span) -> bool:
    """Tell whether two spans share a position (touching ends count)."""
    return (first.start_line, first.start_col) <= (second.end_line, second.end_col) and (
        second.start_line,
        second.start_col,
    ) <= (first.end_line, first.end_col)


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` without their breaks, counted as YAML counts them (so spans index them).

    A text ending in a break has an empty last line, where a cursor can stand.
    """
    lines: list[str] = []
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char in LINE_BREAKS:
            lines.append(text[start:index])
            if char == "\r" and text.startswith("\n", index + 1):
                index += 1
            start = index + 1
        index += 1
    lines.append(text[start:])
    return lines


def line_starts(text: str) -> list[int]:
    """The offset in ``text`` where each line of ``split_lines`` starts."""
    starts = [0]
    index = 0
    while index < len(text):
        char = text[index]
        if char in LINE_BREAKS:
            if char == "\r" and text.startswith("\n", index + 1):
                index += 1
            starts.append(index + 1)
        index += 1
    return starts


def scalar_text(node: yaml.Node) -> str | None:
    """The text of a scalar node as written (without quotes), or None for collections."""
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None

"""The outline of a registry file: entries, fields and their spans; lines as YAML counts them."""

from __future__ import annotations

from gto.positions import Span
from gto.server.editing.outline import line_starts, read_outline, split_lines

TEXT = """\
# comment
rf:
  type: model
  labels: [a, b]
nn:
defaults: &d {type: model}
other: *d
rf:
  path: x
"""


def test_entries_and_fields_with_spans() -> None:
    outline = read_outline(TEXT)
    assert [(entry.key, entry.duplicate) for entry in outline.entries] == [
        ("rf", False),
        ("nn", False),
        ("defaults", False),
        ("other", False),
        ("rf", True),
    ]
    rf = outline.entries[0]
    assert rf.key_span == Span(1, 0, 1, 2)
    assert rf.span == Span(1, 0, 3, 16)
    assert [(field.key, field.span) for field in rf.fields] == [
        ("type", Span(2, 2, 2, 13)),
        ("labels", Span(3, 2, 3, 16)),
    ]
    assert outline.entry("rf") is rf
    assert outline.entries[1].span == Span(4, 0, 4, 2)
    # An alias value is text written under another key: the entry has no fields of its own.
    assert outline.entries[3].fields == ()
    assert outline.entries[3].span == Span(6, 0, 6, 5)


def test_entry_at_a_position() -> None:
    outline = read_outline(TEXT)
    assert outline.entry_at(2, 5) is outline.entries[0]
    assert outline.entry_at(1, 40) is outline.entries[0]
    assert outline.entry_at(0, 0) is None


def test_broken_or_non_mapping_texts_have_no_entries() -> None:
    assert read_outline("rf: [\n").entries == ()
    assert read_outline("- a\n").entries == ()
    assert read_outline("").entries == ()


def test_lines_are_split_as_yaml_splits_them() -> None:
    text = "a\r\nb\rc\u2028d\x85e\n"
    assert split_lines(text) == ["a", "b", "c", "d", "e", ""]
    assert line_starts(text) == [0, 3, 5, 7, 9, 11]

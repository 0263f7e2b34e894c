"""The one conversion between gto spans (YAML lines, code points) and LSP positions."""

from __future__ import annotations

import pytest
from lsprotocol import types

from gto.positions import Span
from gto.server.editing.conversion import PositionMap

EMOJI = "😀"  # one code point, two UTF-16 code units, four UTF-8 bytes


def position(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


@pytest.mark.parametrize(
    ("encoding", "start", "end"),
    [
        (types.PositionEncodingKind.Utf16, 6, 8),
        (types.PositionEncodingKind.Utf8, 9, 13),
        (types.PositionEncodingKind.Utf32, 5, 6),
        ("utf-16", 6, 8),
        (None, 6, 8),
    ],
)
def test_columns_follow_the_negotiated_encoding(encoding: str | None, start: int, end: int) -> None:
    # "é" is one UTF-16 unit but two UTF-8 bytes; the emoji is two UTF-16 units.
    text = f"a: é{EMOJI}{EMOJI}x\n"
    positions = PositionMap(text, encoding)
    assert positions.range(Span(0, 5, 0, 6)) == types.Range(start=position(0, start), end=position(0, end))
    assert positions.point(position(0, start)) == (0, 5)


def test_unicode_line_separators_end_yaml_lines_but_not_lsp_lines() -> None:
    # YAML counts "\u2028" as a line break, LSP does not: YAML line 1 is the rest of LSP line 0.
    text = "a: 1\u2028b: 2\r\nc: 3\n"
    positions = PositionMap(text)
    assert positions.position(1, 0) == position(0, 5)
    assert positions.position(2, 1) == position(1, 1)
    assert positions.point(position(0, 6)) == (1, 1)
    assert positions.point(position(1, 0)) == (2, 0)


def test_positions_past_the_text_are_clamped() -> None:
    positions = PositionMap("a: 1\nb: 2")
    assert positions.position(0, 99) == position(0, 4)
    assert positions.position(9, 0) == position(1, 4)
    assert positions.point(position(0, 99)) == (0, 4)
    assert positions.point(position(9, 0)) == (1, 4)


def test_spans_round_trip() -> None:
    text = f"rf:\r\n  description: {EMOJI} x\r\n  type: y\r\n"
    positions = PositionMap(text)
    span = Span(1, 16, 2, 8)  # from just after the emoji
    assert positions.span(positions.range(span)) == span
    assert positions.range(span) == types.Range(start=position(1, 17), end=position(2, 8))

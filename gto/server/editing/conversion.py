"""The one place where text coordinates change between gto and LSP.

gto's ``Span`` counts lines as YAML does (``\\r\\n``, ``\\r``, ``\\n``, ``\\x85``, ``\\u2028`` and
``\\u2029`` each end a line) and columns in Unicode code points. LSP counts lines at ``\\n``,
``\\r\\n`` and ``\\r`` only, and columns in the code units of the position encoding negotiated at
``initialize`` (UTF-16 unless the client offers UTF-8 or UTF-32). ``PositionMap`` maps both ways
exactly, through offsets in the text, so a character outside the Basic Multilingual Plane or a
Unicode line separator never shifts a range.

It must not hold any feature logic: features compute spans, handlers convert them here.
"""

from __future__ import annotations

from bisect import bisect_right

from lsprotocol import types

from gto.positions import Span
from gto.server.editing.outline import line_starts

_LSP_BREAKS = "\r\n"


class PositionMap:
    """Converts positions of one text between ``Span`` coordinates and LSP positions."""

    def __init__(self, text: str, encoding: str | None = types.PositionEncodingKind.Utf16) -> None:
        self._text = text
        # The kinds are str enums, so a plain "utf-8" from a client compares equal to its kind.
        self._encoding = encoding or types.PositionEncodingKind.Utf16
        self._yaml_starts = line_starts(text)
        self._lsp_starts = _lsp_line_starts(text)

    # -- gto to LSP ----------------------------------------------------------------------------

    def position(self, line: int, col: int) -> types.Position:
        """The LSP position of a ``Span`` position (clamped to the text)."""
        offset = self._offset(line, col)
        lsp_line = bisect_right(self._lsp_starts, offset) - 1
        start = self._lsp_starts[lsp_line]
        return types.Position(line=lsp_line, character=self._units(self._text[start:offset]))

    def range(self, span: Span) -> types.Range:
        """The LSP range of a span."""
        return types.Range(
            start=self.position(span.start_line, span.start_col),
            end=self.position(span.end_line, span.end_col),
        )

    # -- LSP to gto ----------------------------------------------------------------------------

    def point(self, position: types.Position) -> tuple[int, int]:
        """The ``Span`` (line, column) of an LSP position; a position past a line's end means its end."""
        if position.line >= len(self._lsp_starts):
            offset = len(self._text)
        else:
            start = self._lsp_starts[position.line]
            end = self._lsp_line_end(position.line)
            offset = start
            units = 0
            while offset < end and units < position.character:
                units += self._units(self._text[offset])
                offset += 1
        yaml_line = bisect_right(self._yaml_starts, offset) - 1
        return yaml_line, offset - self._yaml_starts[yaml_line]

    def span(self, lsp_range: types.Range) -> Span:
        """The span of an LSP range."""
        start = self.point(lsp_range.start)
        end = self.point(lsp_range.end)
        return Span(start[0], start[1], end[0], end[1])

    # -- helpers -------------------------------------------------------------------------------

    def _offset(self, line: int, col: int) -> int:
        if line >= len(self._yaml_starts):
            return len(self._text)
        start = self._yaml_starts[line]
        return min(start + col, self._yaml_line_end(line))

    def _yaml_line_end(self, line: int) -> int:
        if line + 1 < len(self._yaml_starts):
            end = self._yaml_starts[line + 1] - 1
            # A "\r\n" break is two characters long.
            if end > 0 and self._text[end] == "\n" and self._text[end - 1] == "\r":
                end -= 1
            return end
        return len(self._text)

    def _lsp_line_end(self, line: int) -> int:
        if line + 1 < len(self._lsp_starts):
            end = self._lsp_starts[line + 1] - 1
            if end > 0 and self._text[end] == "\n" and self._text[end - 1] == "\r":
                end -= 1
            return end
        return len(self._text)

    def _units(self, text: str) -> int:
        if self._encoding == types.PositionEncodingKind.Utf32:
            return len(text)
        if self._encoding == types.PositionEncodingKind.Utf8:
            return len(text.encode("utf-8", "surrogatepass"))
        return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _lsp_line_starts(text: str) -> list[int]:
    starts = [0]
    index = 0
    while index < len(text):
        char = text[index]
        if char in _LSP_BREAKS:
            if char == "\r" and text.startswith("\n", index + 1):
                index += 1
            starts.append(index + 1)
        index += 1
    return starts

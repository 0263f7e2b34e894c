"""Document symbols of artifacts.yaml and .gto."""

from __future__ import annotations

from gto.positions import Span
from gto.server.editing.symbols import Symbol, SymbolRole, annotations_symbols, config_symbols


def flat(symbols: list[Symbol] | tuple[Symbol, ...], depth: int = 0) -> list[tuple[int, str, str, str, Span, Span]]:
    rows = []
    for symbol in symbols:
        rows.append((depth, symbol.name, symbol.role.value, symbol.detail, symbol.span, symbol.selection))
        rows.extend(flat(symbol.children, depth + 1))
    return rows


def test_artifacts_and_their_fields() -> None:
    text = "rf:\n  type: model\n  labels: [a, b]\nds: {type: dataset}\nnn:\n"
    assert flat(annotations_symbols(text)) == [
        (0, "rf", "artifact", "model", Span(0, 0, 2, 16), Span(0, 0, 0, 2)),
        (1, "type", "field", "model", Span(1, 2, 1, 13), Span(1, 2, 1, 6)),
        (1, "labels", "field", "a, b", Span(2, 2, 2, 16), Span(2, 2, 2, 8)),
        (0, "ds", "artifact", "dataset", Span(3, 0, 3, 19), Span(3, 0, 3, 2)),
        (1, "type", "field", "dataset", Span(3, 5, 3, 18), Span(3, 5, 3, 9)),
        (0, "nn", "artifact", "", Span(4, 0, 4, 2), Span(4, 0, 4, 2)),
    ]


def test_config_keys() -> None:
    text = "types: [model]\ndaemon:\n  autostart: true\n"
    assert flat(config_symbols(text)) == [
        (0, "types", "setting", "model", Span(0, 0, 0, 14), Span(0, 0, 0, 5)),
        (0, "daemon", "setting", "", Span(1, 0, 2, 17), Span(1, 0, 1, 6)),
        (1, "autostart", "setting", "true", Span(2, 2, 2, 17), Span(2, 2, 2, 11)),
    ]


def test_broken_text_has_no_symbols() -> None:
    assert annotations_symbols("rf: [\n") == []
    assert SymbolRole.ARTIFACT.value == "artifact"

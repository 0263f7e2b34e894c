"""Document symbols: the outline an editor shows for ``artifacts.yaml`` (artifacts and their
fields) and for ``.gto`` (its keys).

Pure: text in, a tree of ``Symbol`` values in ``Span`` coordinates out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import yaml
from lsprotocol import types
from pygls.lsp.server import LanguageServer

from gto.positions import Span, describe_node
from gto.server.editing.conversion import PositionMap
from gto.server.editing.outline import Entry, Field, read_outline
from gto.server.editing.session import DocumentKind, EditingSession

_DETAIL_LENGTH = 60


class SymbolRole(StrEnum):
    """What a symbol is; handlers map it to an LSP symbol kind."""

    ARTIFACT = "artifact"
    FIELD = "field"
    SETTING = "setting"


@dataclass(frozen=True, slots=True)
class Symbol:
    """One symbol: ``span`` covers it whole, ``selection`` is its key."""

    name: str
    role: SymbolRole
    detail: str
    span: Span
    selection: Span
    children: tuple[Symbol, ...] = ()


def annotations_symbols(text: str) -> list[Symbol]:
    """One symbol per artifact entry (detail: its type), with a child per field."""
    symbols = []
    for entry in read_outline(text).entries:
        # LSP symbols need a name: an empty key ('': x) has none to show.
        if not entry.key:
            continue
        type_field = entry.field("type")
        detail = _detail(type_field.value) if type_field is not None else ""
        children = tuple(_field_symbol(field, SymbolRole.FIELD) for field in entry.fields if field.key)
        symbols.append(Symbol(entry.key, SymbolRole.ARTIFACT, detail, entry.span, entry.key_span, children))
    return symbols


def config_symbols(text: str) -> list[Symbol]:
    """One symbol per ``.gto`` key (detail: its value), with a child per nested key."""
    return [_entry_symbol(entry) for entry in read_outline(text).entries if entry.key]


def _entry_symbol(entry: Entry) -> Symbol:
    assert entry.key is not None
    children = tuple(_field_symbol(field, SymbolRole.SETTING) for field in entry.fields if field.key)
    detail = "" if children else _detail(entry.value)
    return Symbol(entry.key, SymbolRole.SETTING, detail, entry.span, entry.key_span, children)


def _field_symbol(field: Field, role: SymbolRole) -> Symbol:
    assert field.key is not None
    return Symbol(field.key, role, _detail(field.value), field.span, field.key_span)


def _detail(node: yaml.Node) -> str:
    """A short preview of a value: the scalar as written, or the items of a short list."""
    if isinstance(node, yaml.SequenceNode) and all(isinstance(item, yaml.ScalarNode) for item in node.value):
        text = ", ".join(str(item.value) for item in node.value)
    elif isinstance(node, yaml.ScalarNode):
        text = str(node.value).replace("\n", " ")
    else:
        return describe_node(node)
    return text if len(text) <= _DETAIL_LENGTH else text[: _DETAIL_LENGTH - 3] + "..."


_KINDS = {
    SymbolRole.ARTIFACT: types.SymbolKind.Module,
    SymbolRole.FIELD: types.SymbolKind.Property,
    SymbolRole.SETTING: types.SymbolKind.Property,
}


def to_document_symbol(symbol: Symbol, positions: PositionMap) -> types.DocumentSymbol:
    """The LSP document symbol of a symbol and its children."""
    return types.DocumentSymbol(
        name=symbol.name,
        kind=_KINDS[symbol.role],
        detail=symbol.detail or None,
        range=positions.range(symbol.span),
        selection_range=positions.range(symbol.selection),
        children=[to_document_symbol(child, positions) for child in symbol.children] or None,
    )


def register(server: LanguageServer, session: EditingSession) -> None:
    """Answer ``textDocument/documentSymbol`` for the registry files."""

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbols(params: types.DocumentSymbolParams) -> list[types.DocumentSymbol] | None:
        document = session.document(params.text_document.uri)
        if document is None:
            return None
        if document.kind is DocumentKind.ANNOTATIONS:
            symbols = annotations_symbols(document.text)
        else:
            symbols = config_symbols(document.text)
        return [to_document_symbol(symbol, document.positions) for symbol in symbols]

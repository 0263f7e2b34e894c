"""Source positions in hand-written YAML, and a small reader that keeps them.

``.gto`` and ``artifacts.yaml`` are YAML that people edit by hand. The editor underlines each
problem at its exact place, and ``gto annotate`` rewrites one entry without touching the others;
both need every key and value with its position, which ``yaml.safe_load`` throws away. This
module composes YAML into nodes (which carry marks), walks mappings with duplicate-key and merge
key handling, builds plain values from nodes, and turns YAML errors into ``Problem`` values.

Pure: text in, values out. It never reads files, runs git or prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml
import yaml.constructor

_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_LINE_BREAKS = "\r\n\x85\u2028\u2029"

# Hand-written registry files nest a few levels. Refusing deep nesting keeps every recursive walk
# over nodes (here, in PyYAML and in callers) far from Python's recursion limit.
MAX_DEPTH = 100
_TOO_DEEP = f"could not parse YAML (values are nested more than {MAX_DEPTH} levels deep)"

# libyaml composes about twenty times faster than pure-Python PyYAML, which matters when state
# reads artifacts.yaml at many commits. Its marks are the same (in characters); its error
# messages are terser, so errors are always re-read with the pure-Python loader.
_FAST_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A range of text: 0-based lines and columns, end exclusive (the LSP convention).

    Columns count Unicode code points, as PyYAML does. The LSP layer converts them to UTF-16
    code units for lines that hold characters outside the Basic Multilingual Plane.
    """

    start_line: int
    start_col: int
    end_line: int
    end_col: int

    @property
    def line(self) -> int:
        """The 1-based line where the span starts, as messages for people show it."""
        return self.start_line + 1


class Severity(StrEnum):
    """How bad a problem is: errors break the registry, warnings only deserve attention."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a YAML document, at a place in it.

    ``message`` says what is wrong and what is expected, without the file name or line, so
    that the editor can show it as is and the command line can prefix both.
    """

    message: str
    span: Span
    severity: Severity
    field: str | None = None
    artifact: str | None = None

    @property
    def line(self) -> int:
        """The 1-based line of the problem."""
        return self.span.line


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """The composed root node of a YAML text, or the syntax problem that stopped reading it.

    ``root`` is None for an empty text, a text of only comments, and when ``problem`` is set.
    """

    root: yaml.Node | None
    problem: Problem | None = None


@dataclass(frozen=True, slots=True)
class YamlEntry:
    """One key and its value in a YAML mapping.

    ``key`` is the text of a scalar key as written (``123`` stays ``"123"``), or None when a list
    or mapping is used as a key. ``duplicate_of`` is the earlier entry with the same key, if
    any. ``merged`` entries come from a ``<<`` merge key, so their text lies elsewhere.
    """

    key: str | None
    key_node: yaml.Node
    value_node: yaml.Node
    duplicate_of: YamlEntry | None = None
    merged: bool = False

    @property
    def key_span(self) -> Span:
        return node_span(self.key_node)

    @property
    def value_span(self) -> Span:
        return node_span(self.value_node)


def read_yaml(text: str) -> YamlDocument:
    """Compose ``text`` (one YAML document) into nodes, or say where it is malformed."""
    # Whitespace-only texts count as empty, even with tabs that YAML would refuse.
    if not text.strip():
        return YamlDocument(None)
    try:
        try:
            root = yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError as error:
            # libyaml stops nesting at a fixed depth; pure-Python PyYAML would recurse until the
            # stack runs out, slowly, only to say the same.
            if getattr(error, "problem", None) == "exceeded maximum nesting depth":
                raise RecursionError from error
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        return YamlDocument(None, yaml_problem(error, text))
    except RecursionError:
        # PyYAML composes recursively, so thousands of nested brackets exhaust the stack.
        return YamlDocument(None, Problem(_TOO_DEEP, Span(0, 0, 0, 0), Severity.ERROR))
    # Without anchors there are no aliases, the nodes form a tree, and its height is quick to
    # take: only a tree too high (or a text with anchors) needs the walk that finds the node.
    deep = _too_deep(root) if "&" in text or _tree_height(root) > MAX_DEPTH else None
    if deep is not None:
        return YamlDocument(None, Problem(_TOO_DEEP, node_span(deep), Severity.ERROR))
    return YamlDocument(root)


def _too_deep(root: yaml.Node | None) -> yaml.Node | None:
    """A node holding more than ``MAX_DEPTH`` levels of values, counted through aliases; or None.

    Aliases let a short text nest deeply (each anchor wrapping the previous one), so the height
    of every node is computed once over the node graph, iteratively and with cycles ignored.
    """
    height: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)] if root is not None else []
    while stack:
        node, children_done = stack.pop()
        if children_done:
            open_nodes.discard(id(node))
            height[id(node)] = 1 + max((height.get(id(child), 0) for child in _children(node)), default=0)
            if height[id(node)] > MAX_DEPTH:
                return node
        elif id(node) not in height and id(node) not in open_nodes:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    return None


def _tree_height(root: yaml.Node | None) -> int:
    """The levels of values under ``root`` (itself included), for nodes that share no child."""
    height = 0
    stack = [(root, 1)] if root is not None else []
    while stack:
        node, depth = stack.pop()
        height = max(height, depth)
        stack.extend((child, depth + 1) for child in _children(node))
    return height


def yaml_problem(error: yaml.YAMLError, text: str) -> Problem:
    """Turn a PyYAML error into a Problem that underlines from its mark to the end of that line."""
    index = 0
    detail = str(error)
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        # "Found unexpected end of stream" is found at the end of the text; the place to fix is
        # where the unterminated construct (a quoted scalar, a flow list) began.
        if mark is not None and mark.index >= len(text.rstrip()) and error.context_mark is not None:
            mark = error.context_mark
        if mark is not None:
            index = mark.index
        detail = ": ".join(part for part in (error.context, error.problem) if part)
    elif isinstance(error, yaml.reader.ReaderError):
        index = error.position
        detail = f"character #x{error.character:04x} at this place: {error.reason}"
    start = _position(text, index)
    end_index = index
    while end_index < len(text) and text[end_index] not in _LINE_BREAKS:
        end_index += 1
    span = Span(start[0], start[1], start[0], start[1] + end_index - index)
    return Problem(f"could not parse YAML ({detail.strip()})", span, Severity.ERROR)


def _position(text: str, index: int) -> tuple[int, int]:
    # Count lines the way PyYAML does, so "\r\n" is one break and "\x85" is a break too.
    line = 0
    line_start = 0
    position = 0
    while position < index and position < len(text):
        char = text[position]
        if char in _LINE_BREAKS and not (char == "\r" and text[position + 1 : position + 2] == "\n"):
            line += 1
            line_start = position + 1
        position += 1
    return line, index - line_start


def node_span(node: yaml.Node) -> Span:
    """Where ``node`` is written, ending at its last character rather than at the next token.

    PyYAML ends a block collection where the next token starts, which would swallow comments
    and blank lines written after it; the span stops at the end of the last scalar or flow
    collection inside instead.
    """
    end = content_end(node)
    return Span(node.start_mark.line, node.start_mark.column, end.line, end.column)


def content_end(node: yaml.Node) -> yaml.Mark:
    """The mark just after the last character that belongs to ``node``.

    Aliases make a node's children point at text written earlier, so only children written after
    the node's own start count; that also ends the walk on recursive aliases.
    """
    if not isinstance(node, yaml.nodes.CollectionNode) or node.flow_style:
        return node.end_mark
    end = node.start_mark
    start_index = node.start_mark.index
    for child in _children(node):
        # A block mapping's first key starts where the mapping does and never ends after its value.
        if child.start_mark.index <= start_index:
            continue
        child_end = content_end(child)
        if child_end.index > end.index:
            end = child_end
    return end


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def is_null(node: yaml.Node) -> bool:
    """Tell whether ``node`` is ``null``, ``~`` or nothing at all (``key:``)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def is_string(node: yaml.Node) -> bool:
    """Tell whether ``node`` reads as a string (plain text that is no number, bool or null, or quoted)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG


def describe_node(node: yaml.Node) -> str:
    """How a value is shown in a message: ``'prod'``, ``123``, ``a list``, ``a mapping``."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if is_null(node):
        return "nothing"
    value = str(node.value)
    if len(value) > 40:
        value = value[:37] + "..."
    return f"'{value}'" if is_string(node) else value


def _same(key: str) -> str:
    return key


def mapping_entries(
    node: yaml.MappingNode, key_of: Callable[[str], str] = _same
) -> tuple[list[YamlEntry], list[Problem]]:
    """The entries of a mapping in text order, with duplicates marked and merge keys resolved.

    ``key_of`` maps a key to the form in which duplicates are compared (``str.lower`` for
    case-insensitive keys). Merged entries take the place of their ``<<`` key; keys written in
    the mapping itself win over merged ones, as YAML specifies, and are not duplicates. The
    problems are malformed merge keys.
    """
    problems: list[Problem] = []
    flat = _flatten(node, problems, {id(node)})
    explicit = {key_of(entry.key) for entry in flat if entry.key is not None and not entry.merged}
    first: dict[str, YamlEntry] = {}
    entries: list[YamlEntry] = []
    for entry in flat:
        if entry.key is None:
            entries.append(entry)
            continue
        folded = key_of(entry.key)
        if entry.merged and (folded in explicit or folded in first):
            continue
        if folded in first:
            entry = YamlEntry(entry.key, entry.key_node, entry.value_node, duplicate_of=first[folded])
        else:
            first[folded] = entry
        entries.append(entry)
    return entries, problems


def _flatten(node: yaml.MappingNode, problems: list[Problem], seen: set[int]) -> list[YamlEntry]:
    entries: list[YamlEntry] = []
    for key_node, value_node in node.value:
        if key_node.tag != _MERGE_TAG:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            entries.append(YamlEntry(key, key_node, value_node))
            continue
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        if not all(isinstance(source, yaml.MappingNode) for source in sources):
            problems.append(
                Problem(
                    f"the merge key '<<' needs a mapping or a list of mappings, got {describe_node(value_node)}",
                    node_span(value_node),
                    Severity.ERROR,
                )
            )
            continue
        for source in sources:
            # A mapping that merges itself through an alias would otherwise recurse forever.
            if id(source) in seen:
                continue
            for entry in _flatten(source, problems, seen | {id(source)}):
                entries.append(YamlEntry(entry.key, entry.key_node, entry.value_node, merged=True))
    return entries


class _ValueConstructor(yaml.constructor.SafeConstructor):
    """Builds plain values from nodes, keeping dates as the text that was written.

    ``yaml.safe_load`` turns ``2024-01-31`` into a ``date``, which JSON output cannot carry.
    """


def _timestamp_as_text(constructor: _ValueConstructor, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return str(constructor.construct_scalar(node))


# The stubs type constructors for full loaders only; a bare constructor is all this needs.
_ValueConstructor.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)  # type: ignore[type-var]


def construct_value(node: yaml.Node) -> Any:
    """The plain Python value of ``node``; raises ``ValueError`` saying why it cannot be built."""
    try:
        return _ValueConstructor().construct_document(node)
    except yaml.MarkedYAMLError as error:
        raise ValueError(error.problem or str(error)) from error
    except Exception as error:
        # Explicitly tagged scalars such as "!!bool maybe" or "!!int x" fail inside PyYAML's
        # constructors with KeyError or ValueError rather than with a YAML error.
        raise ValueError(f"{type(error).__name__}: {error}") from error

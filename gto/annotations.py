"""The annotations file ``artifacts.yaml`` (SPEC §7): reading it with exact problem spans, merging
and checking entries, and rewriting one entry while every other byte stays as written.

Pure: text in, values or new text out. The caller reads and writes the file and says through
callbacks whether a path exists; nothing here touches files, git or the terminal.
"""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from gto.config import DEFAULT_ANNOTATIONS_FILE, Config
from gto.errors import AnnotationsError, ArtifactNotFoundError, InvalidNameError, PathConflictError
from gto.positions import (
    Problem,
    Severity,
    Span,
    YamlEntry,
    construct_value,
    content_end,
    describe_node,
    is_null,
    is_string,
    mapping_entries,
    node_span,
    read_yaml,
)
from gto.tags import DIR_PATTERN, NAME_PATTERN, check_artifact, check_name, is_valid_name

# The fields of an entry, in the order they are rendered.
FIELDS = ("type", "path", "virtual", "labels", "description", "custom")
# What each field means, for people: the JSON Schema and the editor's completion show it.
FIELD_DESCRIPTIONS: Mapping[str, str] = {
    "type": "The kind of artifact, e.g. model or dataset (a name; .gto 'types' may restrict it).",
    "path": "Where the artifact lives: a path in the repository or a URL.",
    "virtual": "False when the path is a file committed in the repository; true (the default) otherwise.",
    "labels": "Names to group artifacts by.",
    "description": "Free text about the artifact.",
    "custom": "Any YAML value, for your own tools.",
}

_NAME_RULE = "letters and digits, with '-', '_' or '/' only inside"
_LINE_BREAKS = "\r\n\x85\u2028\u2029"


@dataclass(frozen=True, slots=True, kw_only=True)
class Annotation:
    """What ``artifacts.yaml`` says about one artifact.

    ``virtual`` True means the path is outside git or a pointer; False means a file committed in
    the repository. The model holds values only: names are checked by ``parse_annotations`` and
    ``check_annotation``, so that a value read from any source can be reported, not refused.
    """

    type: str | None = None
    path: str | None = None
    virtual: bool = True
    labels: tuple[str, ...] = ()
    description: str | None = None
    custom: Any = None

    def __post_init__(self) -> None:
        # Labels are kept as a tuple whatever sequence they came as, so entries stay values.
        if type(self.labels) is not tuple:
            object.__setattr__(self, "labels", tuple(self.labels))

    def to_json(self) -> dict[str, Any]:
        """The entry as JSON with default values left out, in field order (``describe`` output)."""
        result: dict[str, Any] = {}
        if self.type is not None:
            result["type"] = self.type
        if self.path is not None:
            result["path"] = self.path
        if not self.virtual:
            result["virtual"] = False
        if self.labels:
            result["labels"] = list(self.labels)
        if self.description is not None:
            result["description"] = self.description
        if self.custom is not None:
            result["custom"] = self.custom
        return result


@dataclass(frozen=True)
class AnnotationsDocument:
    """Everything ``parse_annotations`` learned about one ``artifacts.yaml`` text.

    ``entries`` holds the structurally valid entries in file order: an entry with an error in its
    own fields is left out, while entries whose type is not allowed or whose path conflicts stay
    in (the problem is reported). The span mappings cover every entry whose name is valid, even
    when its fields are not, so the editor can point at them; ``field_spans`` gives the span of
    each field's value (for a merged ``<<`` field, where the merged text is). ``unknown_fields``
    keeps the fields gto does not know, for rewriting.
    """

    entries: dict[str, Annotation]
    problems: tuple[Problem, ...]
    key_spans: dict[str, Span]
    field_spans: dict[str, dict[str, Span]]
    unknown_fields: dict[str, dict[str, Any]]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.severity is Severity.WARNING)


# -- reading ---------------------------------------------------------------------------------------


class _Invalid(Exception):
    """A field value is wrong; ``node`` is where the text shows it."""

    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass
class _Reader:
    """Collects what ``parse_annotations`` finds, entry by entry."""

    entries: dict[str, Annotation] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    key_spans: dict[str, Span] = field(default_factory=dict)
    field_spans: dict[str, dict[str, Span]] = field(default_factory=dict)
    unknown_fields: dict[str, dict[str, Any]] = field(default_factory=dict)

    def report(
        self,
        message: str,
        span: Span,
        severity: Severity = Severity.ERROR,
        artifact: str | None = None,
        field: str | None = None,
    ) -> None:
        self.problems.append(Problem(message, span, severity, field=field, artifact=artifact))

    def document(self) -> AnnotationsDocument:
        problems = sorted(self.problems, key=lambda problem: problem.span)
        return AnnotationsDocument(self.entries, tuple(problems), self.key_spans, self.field_spans, self.unknown_fields)


def parse_annotations(
    text: str | None,
    config: Config | None = None,
    existing_paths: Callable[[str], bool] | None = None,
) -> AnnotationsDocument:
    """Read an ``artifacts.yaml`` text into entries and every problem with its span; never raises.

    With ``config``, types are checked against the allowed ones. With ``existing_paths``, entries
    with ``virtual: false`` whose path it says does not exist get a warning.
    """
    reader = _Reader()
    document = read_yaml(text or "")
    if document.problem is not None:
        reader.problems.append(document.problem)
        return reader.document()
    root = document.root
    if root is None or is_null(root):
        return reader.document()
    if not isinstance(root, yaml.MappingNode):
        reader.report(
            f"The top level must be a mapping of artifact names to entries, got {describe_node(root)}",
            node_span(root),
        )
        return reader.document()
    entries, merge_problems = mapping_entries(root)
    for problem in merge_problems:
        reader.report(_capitalized(problem.message), problem.span)
    for entry in entries:
        name = _artifact_name(entry, reader)
        if name is not None:
            _read_entry(name, entry, reader)
    _check_types(reader, config)
    _check_paths(reader, existing_paths)
    return reader.document()


def load_annotations(text: str | None, config: Config | None = None) -> dict[str, Annotation]:
    """The entries of an ``artifacts.yaml`` text; ``AnnotationsError`` on its first error.

    Warnings (unknown fields) do not raise. The message names the file and the line.
    """
    document = parse_annotations(text, config)
    if document.errors:
        first = document.errors[0]
        label = config.annotations_file if config is not None else DEFAULT_ANNOTATIONS_FILE
        raise AnnotationsError(f"Invalid {label}: line {first.line}: {first.message}")
    return document.entries


def _artifact_name(entry: YamlEntry, reader: _Reader) -> str | None:
    """The artifact name of a top-level entry, or None after reporting why it is not one."""
    if entry.key is None:
        reader.report(f"Artifact names must be strings, got {describe_node(entry.key_node)}", entry.key_span)
        return None
    try:
        check_artifact(entry.key)
    except InvalidNameError as error:
        reader.report(error.message, entry.key_span)
        return None
    if entry.duplicate_of is not None:
        reader.report(
            f"Duplicate artifact '{entry.key}': it is already defined on line {entry.duplicate_of.key_span.line}",
            entry.key_span,
            artifact=entry.key,
        )
        return None
    return entry.key


def _read_entry(name: str, entry: YamlEntry, reader: _Reader) -> None:
    reader.key_spans[name] = entry.key_span
    spans: dict[str, Span] = {}
    reader.field_spans[name] = spans
    node = entry.value_node
    if is_null(node):
        reader.entries[name] = Annotation()
        return
    if not isinstance(node, yaml.MappingNode):
        reader.report(
            f"The entry of artifact '{name}' must be a mapping of fields ({', '.join(FIELDS)}),"
            f" got {describe_node(node)}",
            node_span(node),
            artifact=name,
        )
        return
    fields, merge_problems = mapping_entries(node)
    for problem in merge_problems:
        reader.report(_capitalized(problem.message), problem.span, artifact=name)
    valid = not merge_problems
    values: dict[str, Any] = {}
    unknown: dict[str, Any] = {}
    for item in fields:
        if item.key is None:
            reader.report(
                f"Field names must be strings, got {describe_node(item.key_node)}",
                item.key_span,
                artifact=name,
            )
            valid = False
            continue
        if item.duplicate_of is not None:
            reader.report(
                f"Duplicate field '{item.key}' of artifact '{name}': it is already set on line"
                f" {item.duplicate_of.key_span.line}",
                item.key_span,
                artifact=name,
                field=item.key,
            )
            valid = False
            continue
        spans[item.key] = item.value_span
        try:
            if item.key not in FIELDS:
                unknown[item.key] = _read_unknown(name, item.key, item.value_node)
                reader.report(
                    f"Unknown field '{item.key}' of artifact '{name}' is ignored ({_suggest(item.key)})",
                    item.key_span,
                    Severity.WARNING,
                    artifact=name,
                    field=item.key,
                )
            elif not is_null(item.value_node):
                # A field with no value ("type:") reads as not set, like a missing field.
                values[item.key] = _FIELD_READERS[item.key](name, item.value_node)
        except _Invalid as error:
            reader.report(error.message, node_span(error.node), artifact=name, field=item.key)
            valid = False
    if unknown:
        reader.unknown_fields[name] = unknown
    if valid:
        reader.entries[name] = Annotation(**values)


def _capitalized(message: str) -> str:
    # The YAML reader words messages to follow a prefix, as config errors do; here they stand alone.
    return message[:1].upper() + message[1:]


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key.lower(), FIELDS, n=1)
    return f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(FIELDS)}"


def _read_type(name: str, node: yaml.Node) -> str:
    if not is_string(node) or not is_valid_name(node.value):
        raise _Invalid(f"'type' of artifact '{name}' must be a name ({_NAME_RULE}), got {describe_node(node)}", node)
    return str(node.value)


def _read_path(name: str, node: yaml.Node) -> str:
    if not is_string(node) or not node.value:
        raise _Invalid(f"'path' of artifact '{name}' must be a non-empty string, got {describe_node(node)}", node)
    return str(node.value)


def _read_virtual(name: str, node: yaml.Node) -> bool:
    if node.tag == "tag:yaml.org,2002:bool":
        try:
            return bool(construct_value(node))
        except ValueError:
            pass
    raise _Invalid(f"'virtual' of artifact '{name}' must be true or false, got {describe_node(node)}", node)


def _read_labels(name: str, node: yaml.Node) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise _Invalid(f"'labels' of artifact '{name}' must be a list of names, got {describe_node(node)}", node)
    labels: list[str] = []
    for item in node.value:
        if not is_string(item) or not is_valid_name(item.value):
            raise _Invalid(f"Label {describe_node(item)} of artifact '{name}' is not a name ({_NAME_RULE})", item)
        labels.append(item.value)
    return tuple(labels)


def _read_description(name: str, node: yaml.Node) -> str:
    if not is_string(node):
        raise _Invalid(f"'description' of artifact '{name}' must be a string, got {describe_node(node)}", node)
    return str(node.value)


def _read_custom(name: str, node: yaml.Node) -> Any:
    return _read_unknown(name, "custom", node)


def _read_unknown(name: str, key: str, node: yaml.Node) -> Any:
    try:
        return construct_value(node)
    except ValueError as error:
        raise _Invalid(f"'{key}' of artifact '{name}' cannot be read: {error}", node) from None


_FIELD_READERS: Mapping[str, Callable[[str, yaml.Node], Any]] = {
    "type": _read_type,
    "path": _read_path,
    "virtual": _read_virtual,
    "labels": _read_labels,
    "description": _read_description,
    "custom": _read_custom,
}


def _check_types(reader: _Reader, config: Config | None) -> None:
    if config is None or config.types is None:
        return
    for name, annotation in reader.entries.items():
        if annotation.type is not None and annotation.type not in config.types:
            reader.report(
                f"Type '{annotation.type}' of artifact '{name}' is not allowed."
                f" Allowed types are: {', '.join(config.types)}",
                reader.field_spans[name]["type"],
                artifact=name,
                field="type",
            )


def _check_paths(reader: _Reader, existing_paths: Callable[[str], bool] | None) -> None:
    # Claims are indexed by path and by every ancestor directory of a path, so that finding
    # the same or nested paths costs one lookup per path segment, not one per pair of entries.
    claimed: dict[str, tuple[str, str]] = {}
    below: dict[str, tuple[str, str]] = {}
    for name, annotation in reader.entries.items():
        spans = reader.field_spans[name]
        if annotation.path is None:
            if not annotation.virtual:
                reader.report(
                    f"Artifact '{name}' has 'virtual: false' but no path",
                    spans["virtual"],
                    Severity.WARNING,
                    artifact=name,
                    field="virtual",
                )
            continue
        key = _path_key(annotation.path)
        ancestors = _ancestors(key)
        inside = next((ancestor for ancestor in ancestors if ancestor in claimed), None)
        conflict: str | None = None
        if key in claimed:
            conflict = _conflict_message(annotation.path, *claimed[key], relation="same")
        elif inside is not None:
            conflict = _conflict_message(annotation.path, *claimed[inside], relation="inside")
        elif key in below:
            conflict = _conflict_message(annotation.path, *below[key], relation="contains")
        if conflict is not None:
            reader.report(conflict, spans["path"], artifact=name, field="path")
        claimed.setdefault(key, (name, annotation.path))
        for ancestor in ancestors:
            below.setdefault(ancestor, (name, annotation.path))
        if not annotation.virtual and existing_paths is not None and not existing_paths(annotation.path):
            reader.report(
                f"Path '{annotation.path}' of artifact '{name}' does not exist,"
                " but 'virtual: false' says it is committed in the repository",
                spans["path"],
                Severity.WARNING,
                artifact=name,
                field="path",
            )


_Relation = Literal["same", "inside", "contains"]


def _path_key(path: str) -> str:
    """The form in which two paths are compared: ``./models/`` and ``models`` are the same."""
    if "://" in path:
        return path.rstrip("/")
    return posixpath.normpath(path)


def _ancestors(key: str) -> list[str]:
    """The directories that contain ``key``, outermost first; the repository root is ``.``."""
    if key == ".":
        return []
    parts = key.split("/")
    prefixes = ["/".join(parts[:count]) for count in range(1, len(parts))]
    return ([] if key.startswith("/") or "://" in key else ["."]) + [prefix for prefix in prefixes if prefix]


def _conflict_message(path: str, other: str, other_path: str, relation: _Relation) -> str:
    message = f"Path '{path}' is already used by artifact '{other}'"
    if relation == "inside":
        return f"{message} (it is inside '{other_path}')"
    if relation == "contains":
        return f"{message} (it contains '{other_path}')"
    return message


# -- JSON Schema ---------------------------------------------------------------------------------


def annotations_schema() -> dict[str, Any]:
    """A JSON Schema (draft-07, which YAML tools support widely) of ``artifacts.yaml``.

    Entries come from the ``Annotation`` model, so unknown fields are refused (gto itself only
    warns about them), with name patterns added for artifact names, the type and labels. Whether
    a type is allowed by ``.gto`` and whether paths conflict is beyond a schema: the gto server
    and ``gto doctor`` check those.
    """
    # pydantic builds the entry's schema from the dataclass; it is imported here only, so that
    # reading a registry never pays for it.
    from pydantic import TypeAdapter

    entry = TypeAdapter(Annotation).json_schema()
    entry["additionalProperties"] = False
    name = {"type": "string", "pattern": f"^{NAME_PATTERN}$"}
    properties = entry["properties"]
    properties["type"]["anyOf"][0] = name
    properties["path"]["anyOf"][0]["minLength"] = 1
    # A field written with no value ("labels:") reads as not set, so every field may be null.
    for key in ("virtual", "labels"):
        value = properties[key]
        kinds = {part: value.pop(part) for part in ("type", "items") if part in value}
        value["anyOf"] = [kinds, {"type": "null"}]
    properties["labels"]["anyOf"][0]["items"] = name
    for key, text in FIELD_DESCRIPTIONS.items():
        properties[key]["description"] = text
    entry["title"] = "Artifact entry"
    entry["description"] = "What gto knows about one artifact."
    # A DIR of a monorepo name must not have a '..' segment, hence the lookahead.
    artifact = rf"^(?:(?!(?:[^:]*/)?\.\.(?:/|:)){DIR_PATTERN}:)?{NAME_PATTERN}$"
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": DEFAULT_ANNOTATIONS_FILE,
        "description": "gto annotations: artifact names (NAME or DIR:NAME) mapped to their entries.",
        "type": ["object", "null"],
        "propertyNames": {"pattern": artifact},
        "additionalProperties": {"anyOf": [{"$ref": "#/definitions/Annotation"}, {"type": "null"}]},
        "definitions": {"Annotation": entry},
    }


# -- changing entries ------------------------------------------------------------------------------


def merge_annotation(
    existing: Annotation | None,
    *,
    type: str | None = None,
    path: str | None = None,
    must_exist: bool | None = None,
    labels: Sequence[str] = (),
    description: str | None = None,
    custom: Mapping[str, Any] | None = None,
) -> Annotation:
    """Apply ``gto annotate`` options to an entry (SPEC §4).

    Given values replace; labels merge, sorted and unique; ``custom`` pairs are merged into the
    existing custom mapping. ``virtual`` becomes ``not must_exist`` when ``must_exist`` is given,
    True when only a path is given, and stays as it was otherwise. Raises ``AnnotationsError``
    when custom pairs are given but the existing ``custom`` is not a mapping.
    """
    base = existing or Annotation()
    virtual = base.virtual
    if must_exist is not None:
        virtual = not must_exist
    elif path is not None:
        virtual = True
    merged_custom = base.custom
    if custom:
        if base.custom is None:
            merged_custom = dict(custom)
        elif isinstance(base.custom, Mapping):
            merged_custom = {**base.custom, **custom}
        else:
            raise AnnotationsError(
                f"Cannot add custom values: the existing 'custom' is {_kind_of(base.custom)}, not a mapping"
            )
    return Annotation(
        type=type if type is not None else base.type,
        path=path if path is not None else base.path,
        virtual=virtual,
        labels=tuple(sorted(set(base.labels) | set(labels))),
        description=description if description is not None else base.description,
        custom=merged_custom,
    )


def _kind_of(value: Any) -> str:
    """How a value's kind is named in messages: ``a list``, ``a string``."""
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


def check_annotation(
    name: str,
    annotation: Annotation,
    others: Mapping[str, Annotation],
    config: Config,
    path_exists: Callable[[str], bool],
) -> None:
    """Check an entry before it is written; ``others`` are the other entries of the file.

    Raises ``InvalidNameError`` for a bad artifact name, type or label, ``TypeNotAllowedError``
    for a type the config forbids, ``PathConflictError`` when a non-virtual entry has no path or
    a path that ``path_exists`` denies, or when another artifact claims the same or a nested path.
    """
    check_artifact(name)
    if annotation.type is not None:
        config.check_type(annotation.type)
    for label in annotation.labels:
        check_name(label, "label")
    if annotation.path is None:
        if not annotation.virtual:
            raise PathConflictError(f"Artifact '{name}' must exist (virtual: false) but has no path")
        return
    if not annotation.virtual and not path_exists(annotation.path):
        raise PathConflictError(f"Path '{annotation.path}' does not exist")
    key = _path_key(annotation.path)
    ancestors = set(_ancestors(key))
    for other, other_annotation in others.items():
        if other == name or other_annotation.path is None:
            continue
        other_key = _path_key(other_annotation.path)
        relation: _Relation
        if other_key == key:
            relation = "same"
        elif other_key in ancestors:
            relation = "inside"
        elif key in _ancestors(other_key):
            relation = "contains"
        else:
            continue
        raise PathConflictError(_conflict_message(annotation.path, other, other_annotation.path, relation))


# -- rewriting -------------------------------------------------------------------------------------


class _IndentedDumper(yaml.SafeDumper):
    """Writes block lists indented under their key (``labels:`` then ``  - a``)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


class _IndentlessDumper(yaml.SafeDumper):
    """Writes block lists at their key's column (``labels:`` then ``- a``), PyYAML's own style."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line descriptions read better as literal blocks; the emitter falls back to quotes
    # by itself when a block cannot hold the text exactly. It does not know that it writes the
    # Unicode line breaks raw in single-quoted and block scalars, where reading turns them into
    # a space or "\n", so strings holding them are double-quoted, where they are escaped.
    # Text ending in several line breaks would need "keep" chomping, after which the emitter
    # ends the document with "..."; such text stays quoted.
    style: str | None = None
    if any(char in value for char in "\x85\u2028\u2029"):
        style = '"'
    elif "\n" in value.rstrip("\n") and not value.endswith("\n\n"):
        style = "|"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


for _dumper in (_IndentedDumper, _IndentlessDumper):
    _dumper.add_representer(str, _represent_str)
    _dumper.add_representer(tuple, yaml.SafeDumper.represent_list)


@dataclass(frozen=True, slots=True)
class _Style:
    """How the existing file is written, so that a rendered entry looks like its neighbours."""

    indent: int = 2
    indent_lists: bool = True
    newline: str = "\n"
    margin: int = 0


@dataclass(frozen=True)
class _Layout:
    """The parts of a parsed text that rewriting needs."""

    text: str
    root: yaml.Node | None
    entries: list[YamlEntry]
    style: _Style


def set_annotation(
    text: str | None,
    name: str,
    annotation: Annotation,
    unknown_fields: Mapping[str, Any] | None = None,
) -> str:
    """The text with the entry ``name`` set to ``annotation``, everything else kept as written.

    The entry's block (its key line through its last value line) is replaced by a freshly
    rendered block in the file's indentation style; a new entry is appended at the end; later
    duplicates of the key are removed. ``unknown_fields`` are written after the known fields;
    None keeps the ones the entry has in ``text``, ``{}`` drops them. Raises ``InvalidNameError``
    for a bad name and ``AnnotationsError`` when the text is not a YAML mapping that can be
    rewritten.
    """
    check_artifact(name)
    layout = _layout(text or "")
    targets = [entry for entry in layout.entries if entry.key == name]
    if unknown_fields is None:
        unknown_fields = _existing_unknown_fields(name, targets)
    data = _entry_data(annotation, unknown_fields)
    block = _render({name: data}, layout.style)
    ranges = [_block_range(layout.text, entry) for entry in targets]
    new_text: str | None = None
    if _root_is_block_mapping(layout.root) and all(span is not None for span in ranges):
        spans = [span for span in ranges if span is not None]
        if spans:
            new_text = _splice(layout.text, spans, block)
        else:
            new_text = _append(layout.text, block, layout.style)
    elif _root_is_empty(layout.root):
        new_text = _fill_empty(layout, block)
    if new_text is not None and _keeps_others(layout, new_text, name, block):
        return new_text
    return _render_all(layout, name, data)


def remove_annotation(text: str, name: str) -> str:
    """The text without the entry ``name``; ``ArtifactNotFoundError`` when there is none.

    Comments above the entry stay: they may describe a section rather than this entry.
    """
    layout = _layout(text)
    targets = [entry for entry in layout.entries if entry.key == name]
    if not targets:
        raise ArtifactNotFoundError(f"Cannot find artifact '{name}'")
    ranges = [_block_range(layout.text, entry) for entry in targets]
    if _root_is_block_mapping(layout.root) and all(span is not None for span in ranges):
        new_text = _splice(layout.text, [span for span in ranges if span is not None], "")
        if _keeps_others(layout, new_text, name, None):
            return new_text
    return _render_all(layout, name, None)


def _layout(text: str) -> _Layout:
    document = read_yaml(text)
    if document.problem is not None:
        problem = document.problem
        raise AnnotationsError(f"Cannot rewrite {DEFAULT_ANNOTATIONS_FILE}: line {problem.line}: {problem.message}")
    root = document.root
    entries: list[YamlEntry] = []
    if isinstance(root, yaml.MappingNode):
        entries, _ = mapping_entries(root)
    elif root is not None and not is_null(root):
        raise AnnotationsError(
            f"Cannot rewrite {DEFAULT_ANNOTATIONS_FILE}: the top level must be a mapping of artifact names"
            f" to entries, got {describe_node(root)}"
        )
    return _Layout(text, root, entries, _detect_style(text, root, entries))


def _root_is_block_mapping(root: yaml.Node | None) -> bool:
    return isinstance(root, yaml.MappingNode) and not root.flow_style and bool(root.value)


def _root_is_empty(root: yaml.Node | None) -> bool:
    return root is None or is_null(root) or (isinstance(root, yaml.MappingNode) and not root.value)


def _detect_style(text: str, root: yaml.Node | None, entries: list[YamlEntry]) -> _Style:
    newline = "\r\n" if "\r\n" in text else "\n"
    if not _root_is_block_mapping(root):
        return _Style(newline=newline)
    assert root is not None
    indent: int | None = None
    indent_lists: bool | None = None
    for entry in entries:
        value = entry.value_node
        if entry.merged or value.start_mark.index <= entry.key_node.start_mark.index:
            continue
        if isinstance(value, yaml.MappingNode) and not value.flow_style:
            # The first field's column, not the value's: an anchor ("a: &x") starts the value early.
            if indent is None:
                indent = value.value[0][0].start_mark.column - entry.key_node.start_mark.column
            for key, item in value.value:
                if indent_lists is None and isinstance(item, yaml.SequenceNode) and not item.flow_style:
                    indent_lists = item.start_mark.column > key.start_mark.column
        if indent is not None and indent_lists is not None:
            break
    return _Style(
        indent=min(max(indent or 2, 2), 9),
        indent_lists=True if indent_lists is None else indent_lists,
        newline=newline,
        margin=root.start_mark.column,
    )


def _existing_unknown_fields(name: str, targets: list[YamlEntry]) -> dict[str, Any]:
    """The unknown fields of the first entry ``name``, which a rewrite must carry over."""
    if not targets or not isinstance(targets[0].value_node, yaml.MappingNode):
        return {}
    fields, _ = mapping_entries(targets[0].value_node)
    unknown: dict[str, Any] = {}
    for item in fields:
        if item.key is None or item.key in FIELDS or item.duplicate_of is not None:
            continue
        try:
            unknown[item.key] = _read_unknown(name, item.key, item.value_node)
        except _Invalid as error:
            raise AnnotationsError(f"Cannot rewrite artifact '{name}': {error.message}") from None
    return unknown


def _entry_data(annotation: Annotation, unknown_fields: Mapping[str, Any]) -> dict[str, Any]:
    data = annotation.to_json()
    for key, value in unknown_fields.items():
        if key not in FIELDS:
            data[key] = value
    return data


def _render(mapping: Mapping[Any, Any], style: _Style) -> str:
    dumper = _IndentedDumper if style.indent_lists else _IndentlessDumper
    try:
        rendered: str = yaml.dump(
            dict(mapping),
            Dumper=dumper,
            indent=style.indent,
            default_flow_style=False,
            sort_keys=False,
            allow_unicode=True,
            width=1 << 30,
            line_break=style.newline,
        )
    except yaml.YAMLError as error:
        raise AnnotationsError(f"Cannot write {DEFAULT_ANNOTATIONS_FILE}: {error}") from None
    if style.margin:
        rendered = "".join(" " * style.margin + line for line in rendered.splitlines(keepends=True))
    return rendered


def _block_range(text: str, entry: YamlEntry) -> tuple[int, int] | None:
    """The text range of an entry: from the start of its key line to the end of its last line.

    None when the entry has no block of its own (merged) or shares a line with other content.
    """
    if entry.merged:
        return None
    key_mark = entry.key_node.start_mark
    start = key_mark.index - key_mark.column
    if text[start : key_mark.index].strip():
        return None
    end = entry.key_node.end_mark.index
    value = entry.value_node
    # A value that is an alias points at text written earlier; the alias itself sits on the key line.
    if value.start_mark.index > key_mark.index:
        end = max(end, content_end(value).index)
    if end > 0 and text[end - 1] in _LINE_BREAKS:
        # A block scalar ends after the blank lines that follow it; they separate entries, so
        # they stay in the file.
        while True:
            previous = _line_start(text, end - 1)
            if previous <= start or text[previous:end].strip():
                return start, end
            end = previous
    while end < len(text) and text[end] not in _LINE_BREAKS:
        end += 1
    if text.startswith("\r\n", end):
        end += 2
    elif end < len(text):
        end += 1
    return start, end


def _line_start(text: str, index: int) -> int:
    """The index where the line holding the line break at ``index`` (or any character) starts."""
    if text[index] == "\n" and index > 0 and text[index - 1] == "\r":
        index -= 1
    while index > 0 and text[index - 1] not in _LINE_BREAKS:
        index -= 1
    return index


def _splice(text: str, ranges: list[tuple[int, int]], block: str) -> str:
    """Put ``block`` in place of the first range and drop the others."""
    first = ranges[0]
    for start, end in sorted(ranges[1:], reverse=True):
        text = text[:start] + text[end:]
    start, end = first
    return text[:start] + block + text[end:]


def _append(text: str, block: str, style: _Style) -> str:
    if text and not text.endswith(tuple(_LINE_BREAKS)):
        text += style.newline
    return text + block


def _fill_empty(layout: _Layout, block: str) -> str | None:
    """Write the first entry into a text that has none: empty, only comments, ``{}`` or ``null``."""
    root = layout.root
    if root is None or (is_null(root) and not root.value):
        return _append(layout.text, block, layout.style)
    if root.start_mark.column != 0:
        return None
    # The "{}" or "null" gives way to the block; a line break after it stays where it was.
    rest = layout.text[root.end_mark.index :]
    body = block.removesuffix(layout.style.newline) if rest.startswith(tuple(_LINE_BREAKS)) else block
    return layout.text[: root.start_mark.index] + body + rest


def _keeps_others(layout: _Layout, new_text: str, name: str, block: str | None) -> bool:
    """Tell whether ``new_text`` holds every other entry exactly as before, and ``block`` once."""
    document = read_yaml(new_text)
    if document.problem is not None:
        return False
    root = document.root
    if isinstance(root, yaml.MappingNode):
        entries, problems = mapping_entries(root)
    elif root is None or is_null(root):
        entries, problems = [], []
    else:
        return False
    _, old_problems = mapping_entries(layout.root) if isinstance(layout.root, yaml.MappingNode) else ([], [])
    if len(problems) != len(old_problems):
        return False
    numbers = _Fingerprints()
    if numbers.of_entries(entries, name) != numbers.of_entries(layout.entries, name):
        return False
    targets = [entry for entry in entries if entry.key == name]
    if block is None:
        return not targets
    expected = read_yaml(block).root
    assert isinstance(expected, yaml.MappingNode)
    return (
        len(targets) == 1
        and not targets[0].merged
        and numbers.of(targets[0].value_node) == numbers.of(expected.value[0][1])
    )


class _Fingerprints:
    """Numbers YAML nodes so that two nodes get the same number exactly when they mean the same data.

    Each node is numbered once, so a value that aliases one anchor many times costs no more than
    the text it is written in. A node met again inside itself (a recursive alias) counts as -1.
    """

    def __init__(self) -> None:
        self._numbers: dict[Hashable, int] = {}
        self._known: dict[int, int] = {}

    def of(self, node: yaml.Node) -> int:
        known = self._known.get(id(node))
        if known is not None:
            return known
        self._known[id(node)] = -1
        shape: Hashable
        if isinstance(node, yaml.ScalarNode):
            shape = (node.tag, node.value)
        elif isinstance(node, yaml.SequenceNode):
            shape = (node.tag, tuple(self.of(item) for item in node.value))
        else:
            shape = (node.tag, tuple((self.of(key), self.of(value)) for key, value in node.value), None)
        number = self._numbers.setdefault(shape, len(self._numbers))
        self._known[id(node)] = number
        return number

    def of_entries(self, entries: list[YamlEntry], name: str) -> list[tuple[Hashable, int]]:
        """The key and value numbers of every entry but ``name``, in order."""
        return [
            (entry.key if entry.key is not None else self.of(entry.key_node), self.of(entry.value_node))
            for entry in entries
            if entry.key != name
        ]


def _render_all(layout: _Layout, name: str, data: dict[str, Any] | None) -> str:
    """Write the whole file anew: the last resort for layouts a splice cannot keep intact.

    Flow-style files, anchors used across entries and similar rarities end up here. Values and
    order survive; comments other than the file's leading ones do not.
    """
    mapping: dict[Any, Any] = {}
    if layout.root is not None and not is_null(layout.root):
        try:
            mapping = dict(construct_value(layout.root))
        except (ValueError, TypeError) as error:
            raise AnnotationsError(f"Cannot rewrite {DEFAULT_ANNOTATIONS_FILE}: {error}") from None
    if data is None:
        mapping.pop(name, None)
    else:
        mapping[name] = data
    header = ""
    for line in layout.text.splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        header += line
    if not mapping:
        return header
    style = _Style(layout.style.indent, layout.style.indent_lists, layout.style.newline)
    return _append(header, _render(mapping, style), layout.style)

"""Configuration (SPEC §6): ``.gto``, ``GTO_*`` variables and explicit options merged into ``Config``.

Precedence, lowest first: defaults, the ``.gto`` text, ``GTO_*`` environment variables, options.
Keys are case-insensitive everywhere. ``Config.sources`` says where each value came from, for
``gto doctor``; ``config_problems`` gives the editor every problem of a ``.gto`` text with its span.

Pure: the caller reads ``.gto`` and passes its text and the environment as a mapping. Nothing here
reads files or ``os.environ``, runs git or prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import yaml

from gto.errors import ConfigError, StageNotAllowedError, TypeNotAllowedError
from gto.positions import (
    Problem,
    Severity,
    YamlEntry,
    construct_value,
    describe_node,
    is_null,
    is_string,
    mapping_entries,
    node_span,
    read_yaml,
)
from gto.tags import check_name, is_valid_name

CONFIG_FILE = ".gto"
DEFAULT_ANNOTATIONS_FILE = "artifacts.yaml"

# The keys a .gto file may hold, in the order messages list them.
CONFIG_KEYS = ("types", "stages", "emojis", "index", "daemon")
DAEMON_KEYS = ("autostart",)
# Keys other GTO versions write: accepted so that their repositories keep working, then ignored.
LEGACY_KEYS = ("log_level", "debug", "enrichments", "autoload_enrichments", "config_file_name")
# The keys of ``Config.sources``: one per value, with the nested daemon key spelled with a dot.
SOURCE_KEYS = ("types", "stages", "emojis", "index", "daemon.autostart")

DEFAULT_SOURCE = "default"
OPTION_SOURCE = "option"

ENV_VARS: Mapping[str, str] = MappingProxyType(
    {
        "GTO_TYPES": "types",
        "GTO_STAGES": "stages",
        "GTO_EMOJIS": "emojis",
        "GTO_INDEX": "index",
        "GTO_DAEMON_AUTOSTART": "daemon.autostart",
    }
)

_NAME_RULE = "use letters and digits, with '-', '_' or '/' only inside"
_TRUE_WORDS = ("true", "1", "yes")
_FALSE_WORDS = ("false", "0", "no")


def _default_sources() -> Mapping[str, str]:
    return MappingProxyType(dict.fromkeys(SOURCE_KEYS, DEFAULT_SOURCE))


@dataclass(frozen=True, slots=True)
class Config:
    """The effective configuration of one repository.

    ``types`` and ``stages`` are None when any name is allowed; an empty list in any source
    means the same. ``sources`` maps each of ``SOURCE_KEYS`` to ``"default"``, the config file
    name, the environment variable name as spelled, or ``"option"``.
    """

    types: tuple[str, ...] | None = None
    stages: tuple[str, ...] | None = None
    emojis: bool = True
    annotations_file: str = DEFAULT_ANNOTATIONS_FILE
    daemon_autostart: bool = False
    sources: Mapping[str, str] = field(default_factory=_default_sources, hash=False)
    ignored_keys: tuple[str, ...] = ()

    def check_stage(self, stage: str) -> None:
        """Raise ``InvalidNameError`` for a malformed stage, ``StageNotAllowedError`` for a forbidden one."""
        check_name(stage, "stage")
        if self.stages is not None and stage not in self.stages:
            raise StageNotAllowedError(f"Stage '{stage}' is not allowed. Allowed stages are: {', '.join(self.stages)}")

    def check_type(self, type_: str) -> None:
        """Raise ``InvalidNameError`` for a malformed type, ``TypeNotAllowedError`` for a forbidden one."""
        check_name(type_, "type")
        if self.types is not None and type_ not in self.types:
            raise TypeNotAllowedError(f"Type '{type_}' is not allowed. Allowed types are: {', '.join(self.types)}")


class _Invalid(Exception):
    """A value is wrong; ``node`` (when known) is where the file shows it."""

    def __init__(self, message: str, node: yaml.Node | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass
class _FileRead:
    """What a .gto text says: values by source key, problems in text order, ignored legacy keys."""

    values: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    syntax_error: bool = False

    def error(self, message: str, node: yaml.Node, key: str | None) -> None:
        self.problems.append(Problem(message, node_span(node), Severity.ERROR, field=key))


def load_config(
    text: str | None,
    env: Mapping[str, str],
    overrides: Mapping[str, object] | None = None,
    file_label: str = CONFIG_FILE,
) -> Config:
    """Merge defaults, the ``.gto`` text, ``GTO_*`` variables of ``env`` and ``overrides``.

    ``text`` None means there is no config file. ``overrides`` take config keys
    (``stages``, ``index``, ``daemon``...) or ``Config`` field names (``annotations_file``,
    ``daemon_autostart``); a None value means the option was not given. Raises ``ConfigError``
    with one line naming the file or variable, the key and the problem; warnings do not raise.
    """
    values: dict[str, object] = {}
    sources = dict.fromkeys(SOURCE_KEYS, DEFAULT_SOURCE)
    ignored: tuple[str, ...] = ()
    if text is not None:
        read = _read_file(text)
        errors = [problem for problem in read.problems if problem.severity is Severity.ERROR]
        if errors:
            first = errors[0]
            where = f"line {first.line}: " if read.syntax_error else ""
            raise ConfigError(f"Invalid config in {file_label}: {where}{first.message}")
        for key, value in read.values.items():
            values[key] = value
            sources[key] = file_label
        ignored = tuple(read.ignored)
    for variable, key, raw in _env_settings(env):
        try:
            values[key] = _ENV_PARSERS[key](raw)
        except _Invalid as error:
            raise ConfigError(f"Invalid config in {variable}: {error.message}") from None
        sources[key] = variable
    for key, value in _override_settings(overrides or {}):
        values[key] = value
        sources[key] = OPTION_SOURCE
    return Config(
        types=_names_or_none(values.get("types")),
        stages=_names_or_none(values.get("stages")),
        emojis=bool(values.get("emojis", True)),
        annotations_file=str(values.get("index", DEFAULT_ANNOTATIONS_FILE)),
        daemon_autostart=bool(values.get("daemon.autostart", False)),
        sources=MappingProxyType(sources),
        ignored_keys=ignored,
    )


def config_problems(text: str) -> list[Problem]:
    """Every problem of a ``.gto`` text, errors and warnings, in text order; never raises."""
    return _read_file(text).problems


def _names_or_none(value: object) -> tuple[str, ...] | None:
    if not value:
        return None
    assert isinstance(value, tuple)
    return value


# -- the .gto file ---------------------------------------------------------------------------------


def _read_file(text: str) -> _FileRead:
    read = _FileRead()
    document = read_yaml(text)
    if document.problem is not None:
        read.problems.append(document.problem)
        read.syntax_error = True
        return read
    root = document.root
    if root is None or is_null(root):
        return read
    if not isinstance(root, yaml.MappingNode):
        read.error(f"the file must be a mapping of keys to values, got {describe_node(root)}", root, None)
        return read
    entries, merge_problems = mapping_entries(root, key_of=str.lower)
    read.problems.extend(merge_problems)
    for entry in entries:
        key = _entry_key(entry, read, "")
        if key is None:
            continue
        if key in LEGACY_KEYS:
            read.problems.append(
                Problem(
                    f"key '{entry.key}' is written by other GTO versions and is ignored",
                    entry.key_span,
                    Severity.WARNING,
                    field=key,
                )
            )
            read.ignored.append(key)
        elif key not in CONFIG_KEYS:
            read.error(f"unknown key '{entry.key}' (allowed: {', '.join(CONFIG_KEYS)})", entry.key_node, key)
        elif key == "daemon":
            _read_daemon(entry.value_node, read)
        else:
            _read_value(key, entry.value_node, read)
    read.problems.sort(key=lambda problem: problem.span)
    return read


def _entry_key(entry: YamlEntry, read: _FileRead, prefix: str) -> str | None:
    """The lower-case key of ``entry``, or None after recording why it cannot be used."""
    if entry.key is None:
        read.error(f"keys must be strings, got {describe_node(entry.key_node)}", entry.key_node, None)
        return None
    key = prefix + entry.key.lower()
    if entry.duplicate_of is not None:
        line = entry.duplicate_of.key_span.line
        read.error(f"duplicate key '{prefix}{entry.key}' (already on line {line})", entry.key_node, key)
        return None
    return key


def _read_value(key: str, node: yaml.Node, read: _FileRead) -> None:
    # A key with no value ("stages:") reads as not set, like a missing key.
    if is_null(node):
        return
    try:
        read.values[key] = _FILE_READERS[key](key, node)
    except _Invalid as error:
        read.error(error.message, error.node or node, key)


def _read_daemon(node: yaml.Node, read: _FileRead) -> None:
    if is_null(node):
        return
    if not isinstance(node, yaml.MappingNode):
        read.error(
            f"'daemon' must be a mapping such as {{autostart: true}}, got {describe_node(node)}",
            node,
            "daemon",
        )
        return
    entries, merge_problems = mapping_entries(node, key_of=str.lower)
    read.problems.extend(merge_problems)
    for entry in entries:
        key = _entry_key(entry, read, "daemon.")
        if key is None:
            continue
        if key.removeprefix("daemon.") not in DAEMON_KEYS:
            read.error(f"unknown key 'daemon.{entry.key}' (allowed: {', '.join(DAEMON_KEYS)})", entry.key_node, key)
            continue
        _read_value(key, entry.value_node, read)


def _file_names(key: str, node: yaml.Node) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise _Invalid(f"'{key}' must be a list of names, got {describe_node(node)}", node)
    names: list[str] = []
    for item in node.value:
        if not is_string(item):
            raise _Invalid(f"'{key}' must be a list of names, got {describe_node(item)} in it", item)
        if not is_valid_name(item.value):
            raise _Invalid(f"'{key}' has an invalid name {describe_node(item)}: {_NAME_RULE}", item)
        names.append(item.value)
    return _unique(names)


def _file_bool(key: str, node: yaml.Node) -> bool:
    if node.tag == "tag:yaml.org,2002:bool":
        try:
            return bool(construct_value(node))
        except ValueError:
            pass
    raise _Invalid(f"'{key}' must be true or false, got {describe_node(node)}", node)


def _file_index(key: str, node: yaml.Node) -> str:
    if not is_string(node) or _index_problem(node.value):
        raise _Invalid(f"'{key}' must be a relative file path inside the repository, got {describe_node(node)}", node)
    return str(node.value)


_FILE_READERS: Mapping[str, Callable[[str, yaml.Node], object]] = {
    "types": _file_names,
    "stages": _file_names,
    "emojis": _file_bool,
    "index": _file_index,
    "daemon.autostart": _file_bool,
}


def _unique(names: Sequence[str]) -> tuple[str, ...]:
    # Repeating a name is harmless; keeping it once keeps `show` from repeating a column.
    return tuple(dict.fromkeys(names))


def _index_problem(path: str) -> bool:
    """Tell whether ``path`` cannot name the annotations file inside the repository."""
    stripped = path.strip()
    if not stripped or stripped != path or stripped.endswith(("/", "\\")):
        return True
    if stripped.startswith(("/", "\\")) or (len(stripped) > 1 and stripped[1] == ":"):
        return True
    return ".." in stripped.replace("\\", "/").split("/")


# -- environment variables -------------------------------------------------------------------------


def _env_settings(env: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """The (variable as spelled, source key, value) of each GTO_* setting present and non-empty.

    Variable names are case-insensitive; when two spellings are set, the upper-case one wins,
    then the first in sorted order, so the choice never depends on the mapping's order.
    """
    chosen: dict[str, str] = {}
    for name in sorted(env):
        canonical = name.upper()
        if canonical not in ENV_VARS or not env[name].strip():
            continue
        if canonical not in chosen or name == canonical:
            chosen[canonical] = name
    return [
        (chosen[canonical], key, env[chosen[canonical]]) for canonical, key in ENV_VARS.items() if canonical in chosen
    ]


def _text_names(text: str) -> tuple[str, ...]:
    text = text.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError:
            items = None
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise _Invalid(f"expected a JSON list of names or comma-separated names, got '{text}'")
    else:
        items = [item.strip() for item in text.split(",") if item.strip()]
    for item in items:
        if not is_valid_name(item):
            raise _Invalid(f"invalid name '{item}' ({_NAME_RULE})")
    return _unique(items)


def _text_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise _Invalid(f"expected true or false, got '{text}'")


def _text_index(text: str) -> str:
    if _index_problem(text):
        raise _Invalid(f"expected a relative file path inside the repository, got '{text}'")
    return text


_ENV_PARSERS: Mapping[str, Callable[[str], object]] = {
    "types": _text_names,
    "stages": _text_names,
    "emojis": _text_bool,
    "index": _text_index,
    "daemon.autostart": _text_bool,
}


# -- explicit options ------------------------------------------------------------------------------

_OVERRIDE_KEYS: Mapping[str, str] = {
    "types": "types",
    "stages": "stages",
    "emojis": "emojis",
    "index": "index",
    "annotations_file": "index",
    "daemon.autostart": "daemon.autostart",
    "daemon_autostart": "daemon.autostart",
}


def _override_settings(overrides: Mapping[str, object]) -> list[tuple[str, object]]:
    """Validate options the way the file is validated; raise ``ConfigError`` naming the option."""
    settings: list[tuple[str, object]] = []
    for name, value in overrides.items():
        lowered = name.lower()
        if value is None:
            continue
        if lowered == "daemon" and isinstance(value, Mapping):
            nested = {f"daemon.{key}": item for key, item in value.items()}
            settings.extend(_override_settings(nested))
            continue
        key = _OVERRIDE_KEYS.get(lowered)
        if key is None:
            raise ConfigError(f"Invalid config in options: unknown key '{name}' (allowed: {', '.join(CONFIG_KEYS)})")
        try:
            settings.append((key, _override_value(key, value)))
        except _Invalid as error:
            raise ConfigError(f"Invalid config in options: {error.message}") from None
    return settings


def _override_value(key: str, value: object) -> object:
    if isinstance(value, str):
        try:
            return _ENV_PARSERS[key](value)
        except _Invalid as error:
            raise _Invalid(f"'{key}': {error.message}") from None
    if key in ("types", "stages") and isinstance(value, list | tuple):
        if not all(isinstance(item, str) for item in value):
            raise _Invalid(f"'{key}' must be a list of names, got {_show(value)}")
        for item in value:
            if not is_valid_name(item):
                raise _Invalid(f"'{key}' has an invalid name '{item}': {_NAME_RULE}")
        return _unique(value)
    if key in ("emojis", "daemon.autostart") and isinstance(value, bool):
        return value
    expected = {"types": "a list of names", "stages": "a list of names", "index": "a relative file path"}
    raise _Invalid(f"'{key}' must be {expected.get(key, 'true or false')}, got {_show(value)}")


def _show(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)

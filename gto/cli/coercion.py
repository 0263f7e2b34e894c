"""Coercion of command-line values of plain types (``str``, ``bool``, bounded ``int``, enums) without pydantic.

Typer 0.29 coerces every value that is not already a boolean through a pydantic ``TypeAdapter``
built on first use, so the first parameter of a run imports pydantic (about 100 ms on a cold
start, before the command can start git). ``install`` makes typer build, for parameters of
those plain types, a coercion that accepts the values gto's commands take in their usual form
(any string; a boolean; a decimal integer within its bounds; a choice spelled exactly) and hands
every other value to typer's own coercion: values typer would convert differently, and every
error message, stay typer's.

It relies on typer internals (``typer.core.build_runtime_param``, ``typer._coercion``); with a
typer that has none (releases before 0.20 use click's types, without pydantic) it does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

try:
    from typer import core as _typer_core
    from typer._coercion import RuntimeParam, TypeDescriptor, resolve_type_descriptor
except ImportError:  # pragma: no cover - depends on the installed typer
    RuntimeParam = None  # type: ignore[assignment,misc]

_typer_build: Callable[[Any], Any] | None = None


def install() -> None:
    """Make typer use the plain coercion for plain parameters, in this process (idempotent)."""
    global _typer_build
    if RuntimeParam is None or _typer_build is not None:
        return
    build = getattr(_typer_core, "build_runtime_param", None)
    if build is None:  # pragma: no cover - depends on the installed typer
        return
    _typer_build = build
    _typer_core.build_runtime_param = _build_runtime_param


def _build_runtime_param(descriptor: TypeDescriptor) -> Any:
    assert _typer_build is not None
    if _is_plain(descriptor):
        return _PlainParam(descriptor.parameter_info, descriptor.annotation)
    return _typer_build(descriptor)


def _is_plain(descriptor: TypeDescriptor) -> bool:
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or getattr(info, "parser", None) is not None:
        return False
    annotation = descriptor.annotation
    if annotation is str or annotation is bool:
        return True
    if annotation is int:
        return not info.clamp
    return isinstance(annotation, type) and issubclass(annotation, Enum) and bool(info.case_sensitive)


if RuntimeParam is not None:
    # Not a dataclass of its own (it adds no field): creating one costs a millisecond per run.
    class _PlainParam(RuntimeParam):
        """Typer's coercion for the plain forms of a value; typer's own one for anything else."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            plain = _plain_value(self.annotation, self.parameter_info, value, ctx)
            if plain is not _NOT_PLAIN:
                return plain
            assert _typer_build is not None
            descriptor = resolve_type_descriptor(self.annotation, self.parameter_info)
            return _typer_build(descriptor)._coerce_value(value, param=param, ctx=ctx)


_NOT_PLAIN = object()


def _plain_value(annotation: Any, info: Any, value: Any, ctx: Any) -> Any:
    """``value`` coerced to ``annotation`` when typer would take it as it is; else ``_NOT_PLAIN``."""
    if annotation is str:
        return value if type(value) is str else _NOT_PLAIN
    if annotation is bool:
        return value if type(value) is bool else _NOT_PLAIN
    if annotation is int:
        if isinstance(value, str) and value.isascii() and value.removeprefix("-").isdigit():
            number = int(value)
            if str(number) != value:  # "007", "-0": typer's own reading decides
                return _NOT_PLAIN
        elif type(value) is int:
            number = value
        else:
            return _NOT_PLAIN
        if (info.min is not None and number < info.min) or (info.max is not None and number > info.max):
            return _NOT_PLAIN  # typer words the error
        return number
    if isinstance(value, annotation):
        return value
    if isinstance(value, str) and getattr(ctx, "token_normalize_func", None) is None:
        for choice in annotation:
            if str(choice.value) == value:
                return choice
    return _NOT_PLAIN

"""``gto.cli.coercion`` must coerce every value exactly as typer's own coercion does.

Each plain parameter type is given values in usual and unusual spellings; the plain coercion
must return what typer returns, or fail with the same message. And a command that reads no
registry must not import pydantic for its arguments: that is what the module is for.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.models import ArgumentInfo, OptionInfo

from gto.cli import coercion
from gto.cli.app import SortChoice
from gto.cli.session import _click_command

typer_coercion = pytest.importorskip("typer._coercion")

PARAMETERS = [
    (str, OptionInfo()),
    (str, ArgumentInfo()),
    (bool, OptionInfo()),
    (int, OptionInfo(min=-1)),
    (int, OptionInfo(min=0, max=3)),
    (int, OptionInfo()),
    (SortChoice, OptionInfo()),
]
VALUES = [
    "5",
    "-1",
    "-2",
    "0",
    "-0",
    "007",
    "+3",
    " 3",
    "3 ",
    "3.0",
    "1_000",
    "--1",
    "٣",
    "",
    "abc",
    "semver",
    "SEMVER",
    "timestamp ",
    "true",
    5,
    -1,
    True,
    False,
    SortChoice.semver,
    b"bytes",
]


def outcome(runtime: Any, value: Any) -> tuple[str, Any]:
    command = _click_command(["show"]).commands["show"]  # type: ignore[attr-defined]
    param = command.params[0]
    try:
        return "value", runtime._coerce_value(value, param=param, ctx=typer.Context(command))
    except typer.BadParameter as error:
        return "error", error.format_message()


@pytest.mark.parametrize(("annotation", "info"), PARAMETERS, ids=lambda p: getattr(p, "__name__", type(p).__name__))
def test_plain_coercion_equals_typer_coercion(annotation: type, info: Any) -> None:
    coercion.install()
    descriptor = typer_coercion.resolve_type_descriptor(annotation, info)
    plain = coercion._build_runtime_param(descriptor)
    typer_own = typer_coercion.build_runtime_param(descriptor)
    assert isinstance(plain, coercion._PlainParam)
    for value in VALUES:
        got, expected = outcome(plain, value), outcome(typer_own, value)
        assert got == expected and type(got[1]) is type(expected[1]), value


def test_typer_builds_the_plain_coercion_for_gto_commands() -> None:
    command = _click_command(["show"])
    show = command.commands["show"]  # type: ignore[attr-defined]
    plain = {param.name for param in show.params if isinstance(param.get_runtime_param(), coercion._PlainParam)}
    assert {"name", "av", "vs", "sort", "repo"} <= plain


def test_arguments_alone_import_no_pydantic() -> None:
    code = (
        "import sys; from gto.cli import run; "
        "run(['parse-tag', 'churn#prod#3']); "
        "run(['show', 'churn', '--av', '2', '--vs', '-1', '--sort', 'semver', '-r', '/nonexistent']); "
        "print('pydantic' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stderr.splitlines()[-1] == "False", done.stderr

"""``gto.cli.session`` builds only the invoked command: that must never change what a command prints.

Each command is run with ``--help`` and with a usage error, once through the app built for that
command alone and once through the whole app; both runs must print the same and exit alike.
"""

from __future__ import annotations

import io

import pytest
import typer

from gto.cli import run, session
from gto.cli.app import app

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


Printed = tuple[int, str, str, str, str]


def run_both(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> list[Printed]:
    """Exit code, the session's streams and the process streams (help goes there), per build."""
    results = []
    for alone in (True, False):
        with monkeypatch.context() as patch:
            if not alone:
                patch.setattr(session, "_invoked", lambda args, app: None)
            out, err = io.StringIO(), io.StringIO()
            code = run(args, stdout=out, stderr=err)
            printed = capsys.readouterr()
            results.append((code, out.getvalue(), err.getvalue(), printed.out, printed.err))
    return results


@pytest.mark.parametrize("name", COMMANDS)
def test_a_command_built_alone_prints_what_the_whole_app_prints(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in ([name, "--help"], [name, "--no-such-option"], ["--traceback", name, "--no-such-option"]):
        alone, whole = run_both(args, monkeypatch, capsys)
        assert alone == whole, args
        assert any(alone[1:]), args  # something was printed


def test_the_command_is_found_behind_the_app_options() -> None:
    assert session._invoked(["--traceback", "show", "x"], app) == "show"
    assert session._invoked(["check-ref", "a@v1.0.0"], app) == "check-ref"
    # The whole app: its help, its version, unknown commands and command groups.
    for args in ([], ["--help"], ["-h", "show"], ["--version"], ["shw"], ["daemon", "status"], ["--", "show"]):
        assert session._invoked(args, app) is None, args

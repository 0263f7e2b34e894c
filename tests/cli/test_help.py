"""Help: every command has a summary, described options and an example; ``gto`` alone lists them."""

from __future__ import annotations

import pytest
import typer

from cli.conftest import Cli, run_in_process
from gto.cli.app import app

COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]
# Every command a user runs, with groups such as ``daemon`` replaced by their commands ("daemon start").
LEAVES = {
    f"{name} {sub}" if sub else name: command
    for name, group in COMMANDS.items()
    for sub, command in (getattr(group, "commands", None) or {"": group}).items()
}
EXPECTED = {
    "Read": ["show", "history", "latest", "which", "check-ref", "describe", "stages", "doctor", "parse-tag"],
    "Modify": ["register", "assign", "promote", "unassign", "deregister", "deprecate"],
    "Annotate": ["annotate", "remove", "schema"],
    "Daemon": ["daemon", "server"],
}
DAEMON_COMMANDS = ["daemon restart", "daemon run", "daemon start", "daemon status", "daemon stop"]


def test_every_command_of_the_spec_is_there_in_its_group() -> None:
    groups: dict[str, list[str]] = {}
    for name, command in COMMANDS.items():
        groups.setdefault(command.rich_help_panel, []).append(name)
    assert {group: sorted(names) for group, names in groups.items()} == {
        group: sorted(names) for group, names in EXPECTED.items()
    }


def test_the_daemon_group_has_its_commands() -> None:
    assert sorted(name for name in LEAVES if name.startswith("daemon")) == DAEMON_COMMANDS
    assert COMMANDS["daemon"].help.endswith(".") and COMMANDS["daemon"].epilog.startswith("Example")


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_each_command_has_a_summary_described_options_and_an_example(name: str) -> None:
    command = LEAVES[name]
    assert command.help and command.help.strip().splitlines()[0].endswith(".")
    assert command.epilog and command.epilog.startswith("Example")
    for param in command.params:
        if param.hidden:
            continue
        assert getattr(param, "help", None), f"gto {name}: {param.name} has no description"
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    # Commands that read no repository.
    if name not in ("parse-tag", "schema"):
        assert {"-r", "--repo"} <= options
    assert "--traceback" in options


@pytest.mark.parametrize("name", sorted(COMMANDS) + DAEMON_COMMANDS)
def test_help_renders_and_exits_0(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_in_process(*name.split(), "--help")
    printed = capsys.readouterr().out + result.out
    assert result.code == 0
    assert f"Usage: gto {name} [OPTIONS]" in printed
    assert "Example" in printed


def test_gto_alone_lists_the_commands_by_group(gto_exe: Cli) -> None:
    result = gto_exe()
    assert (result.code, result.err) == (0, "")
    for group in ("Read", "Modify", "Annotate", "Daemon"):
        assert f"─ {group} " in result.out
    for names in EXPECTED.values():
        for name in names:
            assert f"│ {name} " in result.out
    order = [result.out.index(f"─ {group} ") for group in ("Read", "Modify", "Annotate", "Daemon")]
    assert order == sorted(order)


def test_help_does_not_need_a_repository(gto_exe: Cli, tmp_path: object) -> None:
    result = gto_exe("show", "--help", cwd=tmp_path)
    assert result.code == 0 and "Usage: gto show [OPTIONS] [NAME]" in result.out


def test_importing_the_cli_stays_cheap() -> None:
    """``import gto.cli`` loads typer only: no GitPython, pygls, pydantic or registry core."""
    import subprocess
    import sys

    code = (
        "import sys, gto.cli, gto.cli.app; "
        "print(sorted(m for m in ('git', 'pygls', 'pydantic', 'yaml', 'gto.api', 'gto.git', 'gto.state')"
        " if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"

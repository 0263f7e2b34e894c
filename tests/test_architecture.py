"""Architecture invariants, checked by parsing imports (see ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from conftest import Repo

PACKAGE = Path(__file__).resolve().parent.parent / "gto"

# The pure core: plain values in, plain values out.
CORE = ["errors", "versions", "tags", "positions", "config", "annotations", "state", "queries"]
FORBIDDEN_IN_CORE = {
    "git",
    "gto.git",
    "pygls",
    "lsprotocol",
    "typer",
    "click",
    "watchfiles",
    "subprocess",
    "gto.api",
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                continue
            module = node.module or ""
            names.add(module)
            if module == "gto":
                names.update(f"gto.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("module", CORE)
def test_core_imports_no_git_server_cli_or_watcher(module: str) -> None:
    imported = imported_modules(PACKAGE / f"{module}.py")
    roots = {name.split(".")[0] for name in imported} | imported
    assert not roots & FORBIDDEN_IN_CORE, f"gto/{module}.py imports {sorted(roots & FORBIDDEN_IN_CORE)}"


# ``gto daemon start`` must spawn the detached daemon process; that module may use subprocess for
# it, but still not GitPython, and it starts no git (only gto/git.py does).
SPAWNS_THE_DAEMON = PACKAGE / "server" / "daemon.py"


def test_only_the_git_module_runs_git() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "git.py":
            continue
        imported = imported_modules(path)
        forbidden = {"git"} if path == SPAWNS_THE_DAEMON else {"git", "subprocess"}
        if imported & forbidden or any(name.startswith("git.") for name in imported):
            offenders.append(str(path.relative_to(PACKAGE.parent)))
    assert offenders == []


def test_the_daemon_spawner_starts_python_not_git() -> None:
    source = SPAWNS_THE_DAEMON.read_text(encoding="utf-8")
    calls = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Popen"
    ]
    assert len(calls) == 1
    command = calls[0].args[0]
    assert isinstance(command, ast.List)
    assert ast.unparse(command.elts[0]) == "sys.executable"
    assert ast.unparse(command.elts[2]) == "'gto.server'"


def test_the_thin_client_modules_import_only_the_standard_library() -> None:
    """``gto.server.client`` and ``gto.server.location`` serve a client that must start fast."""
    for name in ("client", "location"):
        imported = imported_modules(PACKAGE / "server" / f"{name}.py")
        third_party = {module for module in imported if module.split(".")[0] not in sys.stdlib_module_names}
        assert third_party <= {"gto", "gto.errors", "gto.server"}, f"gto/server/{name}.py imports {third_party}"


def test_every_module_has_a_docstring() -> None:
    missing = [
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


def test_importing_the_daemon_client_stays_cheap() -> None:
    """What the thin client imports to reach a daemon loads no pydantic, pygls, typer or YAML."""
    import subprocess

    code = (
        "import sys, gto.server.client, gto.server.location; "
        "print(sorted(m for m in ('pydantic', 'pygls', 'lsprotocol', 'typer', 'yaml', 'git', 'gto.api')"
        " if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_reading_a_registry_imports_no_pydantic(repo: Repo) -> None:
    """Queries and their results are plain values: pydantic is for the daemon's wire and ``gto schema``."""
    import subprocess

    repo.commit({"artifacts.yaml": "churn:\n  type: model\n  path: models/churn.pkl\n  labels: [a]\n"})
    repo.tag("churn@v1.0.0")
    repo.tag("churn#prod#1")
    commands = [
        ["show"],
        ["show", "--json"],
        ["show", "churn"],
        ["history", "churn", "--json"],
        ["which", "churn", "prod"],
        ["check-ref", "churn#prod#1", "--json"],
        ["describe", "churn"],
        ["doctor"],
    ]
    code = (
        "import os, sys; from gto.cli import run; "
        f"codes = [run(args + ['-r', os.getcwd()]) for args in {commands!r}]; "
        "print(codes, 'pydantic' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=repo.path, capture_output=True, text=True, check=False)
    assert done.stderr.splitlines()[-1] == f"{[0] * len(commands)} False", done.stderr

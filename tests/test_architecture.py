"""Architecture invariants, checked by parsing imports (see ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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


def test_only_the_git_module_runs_git() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "git.py":
            continue
        imported = imported_modules(path)
        if imported & {"git", "subprocess"} or any(name.startswith("git.") for name in imported):
            offenders.append(str(path.relative_to(PACKAGE.parent)))
    assert offenders == []


def test_every_module_has_a_docstring() -> None:
    missing = [
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []

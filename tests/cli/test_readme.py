"""Replay every ```console block of README.md in a scratch repository and compare the output.

Each ``$ command`` line runs in order (``gto`` in-process, anything else through bash); what
follows it up to the next ``$`` line is its expected output (stdout, then stderr, as a terminal
shows them). Dates, commit hashes and the repository path are normalised before comparing.
``GTO_UPDATE_README=1`` rewrites the README's outputs from a fresh run instead.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gto.cli import run

README = Path(__file__).resolve().parents[2] / "README.md"
# The tour's commands run one minute apart, as a person typing them would.
START = 1_767_225_600
# Read at import: the autouse fixture clears every GTO_* variable before the test runs.
UPDATE = os.environ.get("GTO_UPDATE_README") == "1"

_NORMALISE = [
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}"), "YYYY-MM-DDTHH:MM:SS+HH:MM"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"), "YYYY-MM-DD HH:MM:SS"),
    (re.compile(r"\b[0-9a-f]{40}\b"), "<hexsha>"),
    (re.compile(r"\b[0-9a-f]{7}\b"), "<hash7>"),
    (re.compile(r"^repository: .*$", re.M), "repository: <path>"),
]


def normalise(text: str) -> str:
    for pattern, replacement in _NORMALISE:
        text = pattern.sub(replacement, text)
    return text


@dataclass
class Step:
    """One ``$ command`` of the README and the output printed under it."""

    command: str
    expected: list[str] = field(default_factory=list)


def parse(text: str) -> list[Step]:
    steps: list[Step] = []
    in_block = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = line.strip() == "```console"
            continue
        if not in_block:
            continue
        if line.startswith("$ "):
            steps.append(Step(line[2:]))
        elif steps:
            steps[-1].expected.append(line)
    return steps


def execute(command: str, cwd: Path) -> str:
    if command.startswith("gto "):
        out, err = io.StringIO(), io.StringIO()
        run(shlex.split(command)[1:], stdout=out, stderr=err)
        return out.getvalue() + err.getvalue()
    done = subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done.stdout + done.stderr


def replay(cwd: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Step, str]]:
    monkeypatch.chdir(cwd)
    results = []
    for index, step in enumerate(parse(README.read_text(encoding="utf-8"))):
        when = f"{START + 60 * index} +0000"
        monkeypatch.setenv("GIT_COMMITTER_DATE", when)
        monkeypatch.setenv("GIT_AUTHOR_DATE", when)
        results.append((step, execute(step.command, cwd)))
    return results


def rewrite(results: list[tuple[Step, str]], cwd: Path) -> None:
    """Put fresh outputs under each command of the README, keeping everything else."""
    outputs = iter(results)
    lines: list[str] = []
    in_block = False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_block = line.strip() == "```console"
            lines.append(line)
        elif in_block and line.startswith("$ "):
            _, printed = next(outputs)
            lines.append(line)
            lines.extend(printed.replace(str(cwd), "/home/alice/registry").splitlines())
        elif not in_block:
            lines.append(line)
    README.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_readme_tour_prints_what_the_readme_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = replay(tmp_path, monkeypatch)
    assert any(step.command.startswith("gto ") for step, _ in results)
    if UPDATE:
        rewrite(results, tmp_path)
        return
    for step, printed in results:
        assert normalise(printed).splitlines() == [normalise(line) for line in step.expected], step.command

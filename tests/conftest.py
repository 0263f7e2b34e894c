"""Shared fixtures: every test runs with an isolated HOME, git identity and no GTO_* variables."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep the developer's git config and GTO_* settings out of every test."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith(("GTO_", "GIT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Alice")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "alice@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Alice")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "alice@example.com")
    monkeypatch.setenv("TZ", "UTC")
    yield


class Repo:
    """A real git repository in a temporary directory, driven with plain git commands."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._clock = 1_700_000_000

    def git(self, *args: str, date: int | None = None, check: bool = True) -> str:
        env = dict(os.environ)
        when = f"{date if date is not None else self.tick()} +0000"
        env["GIT_COMMITTER_DATE"] = when
        env["GIT_AUTHOR_DATE"] = when
        result = subprocess.run(["git", *args], cwd=self.path, env=env, capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
        return result.stdout.strip()

    def tick(self) -> int:
        """A strictly increasing fake clock, so events are ordered without sleeping."""
        self._clock += 60
        return self._clock

    def commit(self, files: dict[str, str] | None = None, message: str = "change") -> str:
        for name, text in (files or {"file.txt": str(self.tick())}).items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, ref: str = "HEAD", message: str | None = None, date: int | None = None) -> None:
        self.git("tag", "-a", name, ref, "-m", message or name, date=date)

    def lightweight_tag(self, name: str, ref: str = "HEAD") -> None:
        self.git("tag", name, ref)

    def tags(self) -> list[str]:
        return sorted(self.git("tag", "--list").splitlines())


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Repo]:
    """Factory for fresh repositories; ``commit=False`` leaves the repository without commits."""
    counter = 0

    def make(commit: bool = True) -> Repo:
        nonlocal counter
        counter += 1
        path = tmp_path / f"repo{counter}"
        path.mkdir()
        repo = Repo(path)
        repo.git("init", "-q", "-b", "main")
        if commit:
            repo.commit({"README.md": "demo\n"}, message="init")
        return repo

    return make


@pytest.fixture
def repo(make_repo: Callable[..., Repo]) -> Repo:
    return make_repo()


def api_json(value: Any) -> Any:
    """An API value as JSON, dumped by pydantic from its own fields (not through the protocol's shapes)."""
    from pydantic import TypeAdapter

    return TypeAdapter(type(value)).dump_python(value, mode="json")

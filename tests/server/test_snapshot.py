"""The snapshot a daemon leaves: a restart reads only the tags that moved, and gets exactly what a
full read gets; a snapshot it cannot trust costs a full read, never an error."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
from conftest import Repo, api_json

from bench import bulk
from gto import api, git
from gto.server import snapshot
from gto.server.live import LiveRegistry

from .conftest import spawn_daemon

ANNOTATIONS = "rf:\n  type: model\nold:\n  type: dataset\n"
CHANGED_ANNOTATIONS = "rf:\n  type: model\n  labels: [fast]\nnew:\n  type: dataset\n"


def started(repo: Repo, path: Path) -> LiveRegistry:
    live = LiveRegistry(paths_of(repo), os.environ, snapshot_path=path)
    live.load()
    return live


def paths_of(repo: Repo) -> git.RepoPaths:
    return git.find_repo(repo.path)


def processes_to_start(repo: Repo, path: Path) -> tuple[LiveRegistry, int]:
    """A started registry, and how many git processes its load ran."""
    live = LiveRegistry(paths_of(repo), os.environ, snapshot_path=path)
    before = git.process_count()
    live.load()
    return live, git.process_count() - before


@pytest.fixture
def registry_repo(repo: Repo) -> Repo:
    commit = repo.commit({"artifacts.yaml": ANNOTATIONS})
    bulk.add_tags(repo.path, [bulk.BulkTag(f"m{index}@v1.0.0", commit) for index in range(200)])
    repo.tag("rf@v1.0.0")
    repo.tag("rf#prod#1")
    repo.tag("gone@v1.0.0")
    repo.lightweight_tag("light")
    repo.git("pack-refs", "--all")
    return repo


def test_a_restart_reads_only_the_tags_that_moved_and_equals_a_full_read(
    registry_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, path = registry_repo, tmp_path / "registry.snapshot"
    first = started(repo, path)
    assert not first.from_snapshot
    assert first.save_snapshot() and path.is_file()

    # While no daemon runs: a tag added, one deleted, one moved to another commit, a stage
    # tag on a new version, and new annotations at HEAD.
    other = repo.commit({"artifacts.yaml": CHANGED_ANNOTATIONS})
    repo.tag("rf@v1.1.0")
    repo.git("tag", "-d", "gone@v1.0.0")
    repo.git("tag", "-f", "-a", "m7@v1.0.0", other, "-m", "moved")
    repo.tag("rf#prod#2")

    second, processes = processes_to_start(repo, path)
    assert second.from_snapshot
    assert second.registry().state == api.load(repo.path).state
    # HEAD, artifacts.yaml at HEAD, and the moved tags' objects by id: no listing of every tag.
    assert processes == 3

    # A few tags moved since the file was written: it stays (a rewrite costs seconds with
    # 100,000 tags), and the next start reads those few again.
    written = path.stat().st_mtime_ns
    assert second.save_snapshot()
    assert path.stat().st_mtime_ns == written
    third, processes = processes_to_start(repo, path)
    assert processes == 3
    assert third.registry().state == second.registry().state

    # Past the limit it saves the registry of now, and the next start reads no tag at all.
    monkeypatch.setattr("gto.server.live.SNAPSHOT_REWRITE_AFTER", 3)
    assert third.save_snapshot()
    assert path.stat().st_mtime_ns != written
    fourth, processes = processes_to_start(repo, path)
    assert processes == 2  # HEAD, and artifacts.yaml at HEAD
    assert fourth.registry().state == second.registry().state


def test_a_restart_with_nothing_moved_keeps_the_file_as_it_is(registry_repo: Repo, tmp_path: Path) -> None:
    path = tmp_path / "registry.snapshot"
    assert started(registry_repo, path).save_snapshot()
    written = path.stat().st_mtime_ns
    again = started(registry_repo, path)
    assert again.from_snapshot
    assert again.registry().state == api.load(registry_repo.path).state
    assert again.save_snapshot()
    assert path.stat().st_mtime_ns == written


@pytest.mark.parametrize(
    "damage",
    ["truncated", "garbage", "other code", "not a snapshot", "empty"],
)
def test_a_snapshot_that_cannot_be_trusted_costs_a_full_read(registry_repo: Repo, tmp_path: Path, damage: str) -> None:
    path = tmp_path / "registry.snapshot"
    assert started(registry_repo, path).save_snapshot()
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x80\x05not a pickle at all" * 100)
    elif damage == "other code":
        path.write_bytes(pickle.dumps((snapshot.FORMAT, (3, 0), "another digest")) + data)
    elif damage == "not a snapshot":
        path.write_bytes(pickle.dumps(snapshot.key()) + pickle.dumps({"ids": {}}))
    else:
        path.write_bytes(b"")
    registry_repo.tag("rf@v1.1.0")

    live = started(registry_repo, path)
    assert not live.from_snapshot
    assert live.registry().state == api.load(registry_repo.path).state
    # The next stop replaces the untrusted file with a good one.
    assert live.save_snapshot()
    assert started(registry_repo, path).from_snapshot


def test_the_daemon_saves_when_it_stops_and_starts_from_it(registry_repo: Repo) -> None:
    daemon = spawn_daemon(registry_repo.path)
    assert daemon.terminate() == 0
    assert daemon.files.snapshot.is_file()
    registry_repo.tag("rf@v1.2.0")

    daemon = spawn_daemon(registry_repo.path)
    try:
        client = daemon.connect()
        assert client.request("gto/showVersions", {"name": "rf"})[0]["version"] == "v1.2.0"
        assert client.request("gto/show") == api_json(api.show_registry(registry_repo.path))
    finally:
        assert daemon.terminate() == 0
    loads = [line for line in daemon.files.log.read_text().splitlines() if "Loaded" in line]
    assert loads[-2].endswith("from git")
    assert loads[-1].endswith("from the last daemon's snapshot and the tags moved since")


def test_a_snapshot_behind_a_symbolic_link_is_not_read(registry_repo: Repo, tmp_path: Path) -> None:
    saved = tmp_path / "elsewhere.snapshot"
    assert started(registry_repo, saved).save_snapshot()
    link = tmp_path / "registry.snapshot"
    link.symlink_to(saved)
    assert not started(registry_repo, link).from_snapshot


def test_writing_removes_what_a_killed_daemon_left_half_written(registry_repo: Repo, tmp_path: Path) -> None:
    path = tmp_path / "registry.snapshot"
    left = tmp_path / ".registry.snapshot.abc123"
    left.write_bytes(b"half a pickle")
    assert started(registry_repo, path).save_snapshot()
    assert sorted(p.name for p in tmp_path.glob("*registry.snapshot*")) == ["registry.snapshot"]

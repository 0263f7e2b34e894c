"""Tests of gto.reffiles: following tag refs through git's ref files, against real repositories.

After every change made with plain git, ``changes`` must name exactly the tags whose id moved
and its ids must equal git's own listing; ``unchanged`` must say no as soon as anything moved.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import Repo

from gto import git, reffiles


@pytest.fixture
def paths(repo: Repo) -> git.RepoPaths:
    return git.find_repo(repo.path)


# A follower's first look: the files read (``look``), or git's listing of the tags taken for them
# (``finish_listed``, as a daemon's first read does), which leaves packed-refs unread.
_FIRST_LOOKS = ["files", "listing"]


def first_look(paths: git.RepoPaths, how: str) -> reffiles.TagRefs:
    if how == "files":
        first = reffiles.look(paths.common_dir, lambda: git.list_tag_ids(paths))
    else:
        begun = reffiles.begin_look(paths.common_dir)
        assert begun is not None
        ids: dict[str, str] = {}
        git.list_tags(paths, ids=ids)
        first = begun.finish_listed(ids)
    assert first is not None
    return first


class Follower:
    """Looks at a repository's tag refs again and again, checking each answer against git."""

    def __init__(self, paths: git.RepoPaths, how: str = "files") -> None:
        self.paths = paths
        self.ids = git.list_tag_ids(paths)
        first = first_look(paths, how)
        assert dict(first.ids) == self.ids
        self.refs = first

    def step(self, hints: set[str] | None = None) -> set[str]:
        """Look again; assert the ids are git's and the changed names are exactly those that moved."""
        found = reffiles.changes(self.paths.common_dir, self.refs, hints)
        assert found is not None
        refs, changed = found
        ids = git.list_tag_ids(self.paths)
        assert dict(refs.ids) == ids
        assert changed == {name for name in ids.keys() | self.ids.keys() if ids.get(name) != self.ids.get(name)}
        self.refs, self.ids = refs, ids
        return set(changed)


@pytest.mark.parametrize("how", _FIRST_LOOKS)
def test_every_kind_of_change_is_named_and_nothing_else(repo: Repo, paths: git.RepoPaths, how: str) -> None:
    repo.tag("rf@v1.0.0")
    repo.tag("models/nlp/churn@v1.0.0")
    follow = Follower(paths, how)
    assert follow.step() == set()

    repo.tag("rf@v1.1.0")
    assert follow.step() == {"rf@v1.1.0"}

    # Into packed-refs: the ids stay the same, so nothing changed.
    repo.git("pack-refs", "--all")
    assert follow.step() == set()

    # A packed tag deleted (packed-refs is rewritten), a packed tag shadowed by a moved loose one.
    repo.git("tag", "-d", "rf@v1.0.0")
    assert follow.step() == {"rf@v1.0.0"}
    repo.commit()
    repo.git("tag", "-f", "-a", "rf@v1.1.0", "-m", "moved")
    assert follow.step() == {"rf@v1.1.0"}

    # New directories, a tag in an existing one, a whole directory deleted.
    repo.tag("models/cv/seg@v1.0.0")
    repo.tag("models/nlp/churn@v1.1.0")
    repo.lightweight_tag("nightly")
    assert follow.step() == {"models/cv/seg@v1.0.0", "models/nlp/churn@v1.1.0", "nightly"}
    repo.git("tag", "-d", "models/cv/seg@v1.0.0")
    assert follow.step() == {"models/cv/seg@v1.0.0"}
    assert not (repo.path / ".git/refs/tags/models/cv").exists()  # git removed the emptied directory
    assert "models/cv" not in follow.refs._directories

    # Everything gone.
    every = set(follow.ids)
    repo.git("tag", "-d", *repo.tags())
    assert follow.step() == every
    assert follow.refs.ids == {}


def test_changes_made_in_the_same_instant_as_a_look_are_not_missed(repo: Repo, paths: git.RepoPaths) -> None:
    # File times have a coarse clock: a directory listed right after a change is listed again
    # at the next look, so a second change within the same tick is still seen.
    follow = Follower(paths)
    for index in range(5):
        repo.tag(f"rf@v1.{index}.0")
        assert follow.step() == {f"rf@v1.{index}.0"}
        # Moved at once to a new tag object: same name, same directory, maybe the same tick.
        repo.git("tag", "-f", "-a", f"rf@v1.{index}.0", "-m", "moved")
        assert follow.step() == {f"rf@v1.{index}.0"}


@pytest.mark.parametrize("how", _FIRST_LOOKS)
def test_unchanged_is_a_stat_check_that_notices_every_change(
    repo: Repo, paths: git.RepoPaths, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    repo.tag("rf@v1.0.0")
    repo.tag("models/churn@v1.0.0")
    repo.git("pack-refs", "--all")
    repo.tag("rf@v1.1.0")
    # Nothing here is modified later than 100 ms before the look, so no listing is racy.
    monkeypatch.setattr(reffiles, "RACY_NS", 0)
    follow = Follower(paths, how)
    assert reffiles.unchanged(paths.common_dir, follow.refs)

    for change in (
        lambda: repo.tag("models/churn@v1.1.0"),  # in a subdirectory
        lambda: repo.git("tag", "-d", "rf@v1.0.0"),  # packed-refs rewritten
        lambda: repo.tag("new/dir@v1.0.0"),  # a new directory
    ):
        change()
        assert not reffiles.unchanged(paths.common_dir, follow.refs)
        follow.step()
        assert reffiles.unchanged(paths.common_dir, follow.refs)


def test_a_listing_made_too_soon_after_a_change_is_not_trusted(repo: Repo, paths: git.RepoPaths) -> None:
    repo.tag("rf@v1.0.0")
    follow = Follower(paths)
    # refs/tags was modified a moment ago: the look cannot vouch for it yet.
    assert not reffiles.unchanged(paths.common_dir, follow.refs)
    time.sleep(reffiles.RACY_NS / 1e9 + 0.05)
    follow.step()
    assert reffiles.unchanged(paths.common_dir, follow.refs)


def test_what_the_files_cannot_tell_is_left_to_git(repo: Repo, paths: git.RepoPaths) -> None:
    repo.tag("rf@v1.0.0")
    follow = Follower(paths)
    # A symbolic tag ref: only git knows what it resolves to.
    (repo.path / ".git/refs/tags/alias").write_text("ref: refs/tags/rf@v1.0.0\n")
    assert reffiles.changes(paths.common_dir, follow.refs) is None
    os.remove(repo.path / ".git/refs/tags/alias")
    # A repository keeping its refs in reftable files is not read at all.
    (Path(paths.common_dir) / "reftable").mkdir()
    assert reffiles.changes(paths.common_dir, follow.refs) is None
    assert reffiles.look(paths.common_dir, lambda: {"x": "y"}) is None


def test_a_repository_without_tags_and_lock_files(repo: Repo, paths: git.RepoPaths) -> None:
    follow = Follower(paths)
    assert follow.refs.ids == {}
    (repo.path / ".git/refs/tags").mkdir(parents=True, exist_ok=True)
    # A lock file is a write in progress, not a tag.
    (repo.path / ".git/refs/tags/nn@v1.0.0.lock").write_text("0" * 40 + "\n")
    assert follow.step() == set()
    repo.tag("rf@v1.0.0")
    assert follow.step() == {"rf@v1.0.0"}


def test_hinted_paths_are_read_without_listing_and_leave_their_directory_untrusted(
    repo: Repo, paths: git.RepoPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.tag("rf@v1.0.0")
    repo.tag("models/churn@v1.0.0")
    monkeypatch.setattr(reffiles, "RACY_NS", 0)
    follow = Follower(paths)
    tags = os.path.join(paths.common_dir, "refs", "tags")

    def hint(*names: str) -> set[str]:
        # What a watcher reports: the refs, their lock files, and paths outside refs/tags.
        found = {os.path.join(tags, name) for name in names} | {os.path.join(tags, f"{name}.lock") for name in names}
        return found | {os.path.join(paths.common_dir, "HEAD")}

    listed: list[str] = []
    real_scandir = os.scandir
    monkeypatch.setattr(reffiles.os, "scandir", lambda path: listed.append(path) or real_scandir(path))

    repo.tag("rf@v1.1.0")
    repo.tag("models/churn@v1.1.0")
    assert follow.step(hint("rf@v1.1.0", "models/churn@v1.1.0")) == {"rf@v1.1.0", "models/churn@v1.1.0"}
    assert listed == []
    # Events of changes made meanwhile may still be on their way: no vouching for these directories.
    assert not reffiles.unchanged(paths.common_dir, follow.refs)

    # Deleted, moved, and rewritten in place with its inode kept: read because hinted.
    repo.git("tag", "-d", "rf@v1.0.0")
    repo.git("tag", "-f", "-a", "rf@v1.1.0", "-m", "moved")
    with open(os.path.join(tags, "models/churn@v1.0.0"), "r+") as file:
        file.write(repo.git("rev-parse", "refs/tags/rf@v1.1.0") + "\n")
    assert follow.step(hint("rf@v1.0.0", "rf@v1.1.0", "models/churn@v1.0.0")) == {
        "rf@v1.0.0",
        "rf@v1.1.0",
        "models/churn@v1.0.0",
    }
    assert listed == []

    # A look without hints lists what is untrusted, and vouches again.
    assert follow.step() == set()
    assert listed
    assert reffiles.unchanged(paths.common_dir, follow.refs)

    # A new directory is a hint that needs a listing.
    listed.clear()
    repo.tag("new/dir@v1.0.0")
    assert follow.step({os.path.join(tags, "new")}) == {"new/dir@v1.0.0"}
    assert listed


def test_a_tags_directory_created_after_the_look_is_noticed(
    repo: Repo, paths: git.RepoPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    tags = repo.path / ".git/refs/tags"
    if tags.exists():
        tags.rmdir()
    monkeypatch.setattr(reffiles, "RACY_NS", 0)
    follow = Follower(paths)
    assert reffiles.unchanged(paths.common_dir, follow.refs)
    assert follow.step() == set()
    repo.tag("rf@v1.0.0")
    assert not reffiles.unchanged(paths.common_dir, follow.refs)
    assert follow.step() == {"rf@v1.0.0"}


def test_a_hinted_name_that_is_not_utf8_is_listed(repo: Repo, paths: git.RepoPaths) -> None:
    repo.tag("rf@v1.0.0")
    follow = Follower(paths)
    oid = repo.git("rev-parse", "refs/tags/rf@v1.0.0")
    tags = os.fsencode(os.path.join(paths.common_dir, "refs", "tags"))
    with open(tags + b"/caf\xe9@v1.0.0", "w") as file:
        file.write(oid + "\n")
    # A watcher reports the name with U+FFFD for the byte it could not decode.
    assert follow.step({os.path.join(os.fsdecode(tags), "caf\ufffd@v1.0.0")}) == {"caf\ufffd@v1.0.0"}


def test_a_first_look_reads_few_loose_refs_itself_and_asks_git_for_many(
    repo: Repo, paths: git.RepoPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.tag("rf@v1.0.0")
    repo.git("pack-refs", "--all")
    repo.tag("rf@v1.1.0")
    repo.tag("nested/stage#prod#1")
    asked: list[bool] = []

    def list_ids() -> dict[str, str]:
        asked.append(True)
        return git.list_tag_ids(paths)

    few = reffiles.look(paths.common_dir, list_ids)
    assert few is not None and dict(few.ids) == git.list_tag_ids(paths) and not asked
    monkeypatch.setattr(reffiles, "READ_LOOSE_LIMIT", 1)
    many = reffiles.look(paths.common_dir, list_ids)
    assert many is not None and dict(many.ids) == git.list_tag_ids(paths) and asked == [True]
    # A loose ref that holds no object id: the files cannot say, git must list.
    monkeypatch.setattr(reffiles, "READ_LOOSE_LIMIT", 1000)
    (repo.path / ".git/refs/tags/alias").write_text("ref: refs/tags/rf@v1.1.0\n")
    assert reffiles.look(paths.common_dir, list_ids) is None


def test_a_first_look_from_git_listing_reads_packed_refs_only_when_a_packed_line_counts(
    repo: Repo, paths: git.RepoPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = repo.commit(), repo.commit()
    repo.tag("rf@v1.0.0", first)
    repo.tag("nn@v1.0.0", first)
    repo.git("pack-refs", "--all")
    # A loose ref over a packed line, as only a hand could leave it: the loose one counts.
    shadowing = repo.path / ".git/refs/tags/rf@v1.0.0"
    shadowing.write_text(repo.git("rev-parse", "refs/tags/nn@v1.0.0") + "\n")
    monkeypatch.setattr(reffiles, "RACY_NS", 0)
    read: list[Path] = []
    real_read_packed = reffiles._read_packed
    monkeypatch.setattr(reffiles, "_read_packed", lambda path: read.append(path) or real_read_packed(path))
    follow = Follower(paths, "listing")
    assert read == []

    # A new loose tag needs no packed line.
    repo.tag("rf@v1.1.0", second)
    assert follow.step() == {"rf@v1.1.0"}
    assert read == []
    # The loose ref removed by hand: the packed line it hid is the tag's id again.
    shadowing.unlink()
    assert follow.step() == {"rf@v1.0.0"}
    assert len(read) == 1
    assert follow.step() == set()
    assert len(read) == 1  # read once, kept


def test_a_first_look_from_git_listing_stands_for_changes_made_after_it_began(repo: Repo, paths: git.RepoPaths) -> None:
    # The look begins (identities taken), then tags move, then git lists them: the listing is
    # newer than the files the look vouches for, and the next look must still see the truth.
    first, second = repo.commit(), repo.commit()
    for name in ("rf@v1.0.0", "nn@v1.0.0", "kept@v1.0.0"):
        repo.tag(name, first)
    repo.git("pack-refs", "--all")
    repo.tag("loose@v1.0.0", first)
    time.sleep(reffiles.RACY_NS / 1e9 + 0.05)  # identities the look can vouch for
    begun = reffiles.begin_look(paths.common_dir)
    assert begun is not None
    repo.git("tag", "-d", "nn@v1.0.0", "loose@v1.0.0")
    repo.git("tag", "-f", "-a", "rf@v1.0.0", second, "-m", "moved")
    repo.tag("new@v1.0.0", second)
    ids: dict[str, str] = {}
    git.list_tags(paths, ids=ids)
    refs = begun.finish_listed(ids)
    assert dict(refs.ids) == git.list_tag_ids(paths)
    assert not reffiles.unchanged(paths.common_dir, refs)
    found = reffiles.changes(paths.common_dir, refs)
    assert found is not None
    assert dict(found[0].ids) == git.list_tag_ids(paths)
    assert found[1] == set()

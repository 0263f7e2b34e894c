"""Tests of gto.git against real repositories in temporary directories."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo

from bench import bulk
from gto import git
from gto.errors import GitError, NotARepositoryError, PushError, RefNotFoundError, TagExistsError
from gto.tags import TagRecord

EPOCH = 1_700_000_000  # 2023-11-14T22:13:20Z


def run_git(repo: Repo, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> str:
    """Run git in ``repo`` with extra environment variables (Repo.git always uses +0000)."""
    result = subprocess.run(
        ["git", *args], cwd=repo.path, env={**os.environ, **(env or {})}, input=input, capture_output=True
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().strip()


def run_git_bytes(repo: Repo, *args: str) -> bytes:
    result = subprocess.run(["git", *args], cwd=repo.path, capture_output=True, check=True)
    return result.stdout


def make_tag_object(repo: Repo, name: str, target: str, body: bytes, *, kind: str = "commit") -> str:
    """Write a hand-made tag object (git mktag checks it) and point ``refs/tags/name`` at it."""
    header = f"object {target}\ntype {kind}\ntag {name}\ntagger Mallory <m@example.com> {EPOCH} +0000\n\n"
    oid = run_git(repo, "mktag", input=header.encode() + body)
    run_git(repo, "update-ref", f"refs/tags/{name}", oid)
    return oid


def by_name(records: list[TagRecord]) -> dict[str, TagRecord]:
    return {record.name: record for record in records}


def processes(action: Callable[[], object]) -> int:
    """How many git processes ``action`` started."""
    before = git.process_count()
    action()
    return git.process_count() - before


@pytest.fixture
def paths(repo: Repo) -> git.RepoPaths:
    return git.find_repo(repo.path)


# ---------------------------------------------------------------------------------------------
# list_tags: fields


def test_annotated_tag_has_every_field_with_the_tagger_offset(repo: Repo, paths: git.RepoPaths) -> None:
    head = repo.git("rev-parse", "HEAD")
    run_git(
        repo,
        *("tag", "-a", "churn@v1.2.0", "-m", "Registering artifact churn version v1.2.0"),
        env={"GIT_COMMITTER_DATE": f"{EPOCH} +0130"},
    )

    [record] = git.list_tags(paths)

    plus_0130 = timezone(timedelta(hours=1, minutes=30))
    assert record == TagRecord(
        name="churn@v1.2.0",
        annotated=True,
        commit=head,
        tagger_name="Alice",
        tagger_email="alice@example.com",
        created_at=datetime(2023, 11, 14, 23, 43, 20, tzinfo=plus_0130),
        message="Registering artifact churn version v1.2.0",
    )
    assert record.created_at is not None
    assert record.created_at.isoformat() == "2023-11-14T23:43:20+01:30"


def test_negative_offset_and_unicode_tagger(repo: Repo, paths: git.RepoPaths) -> None:
    env = {
        "GIT_COMMITTER_DATE": f"{EPOCH} -0500",
        "GIT_COMMITTER_NAME": "Zoë Ünïcødé 中文",
        "GIT_COMMITTER_EMAIL": "zoë@exämple.com",
    }
    run_git(repo, "tag", "-a", "rf#prod#3", "-m", "m", env=env)

    [record] = git.list_tags(paths)

    assert (record.tagger_name, record.tagger_email) == ("Zoë Ünïcødé 中文", "zoë@exämple.com")
    assert record.created_at is not None
    assert record.created_at.isoformat() == "2023-11-14T17:13:20-05:00"


def test_lightweight_tag_has_the_commit_and_empty_tagger_fields(repo: Repo, paths: git.RepoPaths) -> None:
    head = repo.git("rev-parse", "HEAD")
    repo.lightweight_tag("churn@v1.0.0")

    assert git.list_tags(paths) == [TagRecord("churn@v1.0.0", annotated=False, commit=head)]
    assert git.list_tags(paths)[0] == TagRecord("churn@v1.0.0", False, head, "", "", None, "")


def test_tags_are_listed_by_name_with_two_processes(repo: Repo, paths: git.RepoPaths) -> None:
    for name in ("b@v1.0.0", "a#prod#1", "a@v1.0.0", "models/nlp=churn@v0.0.1"):
        repo.tag(name)
    repo.lightweight_tag("plain")

    listed: list[TagRecord] = []
    # for-each-ref lists names and ids, cat-file reads the objects: two, whatever the count.
    assert processes(lambda: listed.extend(git.list_tags(paths))) == 2
    assert [record.name for record in listed] == [
        "a#prod#1",
        "a@v1.0.0",
        "b@v1.0.0",
        "models/nlp=churn@v0.0.1",
        "plain",
    ]


def test_packed_and_loose_refs_read_the_same(repo: Repo, paths: git.RepoPaths) -> None:
    first = repo.git("rev-parse", "HEAD")
    repo.tag("a@v1.0.0", message="one", date=EPOCH)
    repo.commit()
    repo.tag("a#prod#1", message="two\nlines", date=EPOCH + 60)
    repo.lightweight_tag("light", first)
    repo.git("tag", "-a", "nested", "a@v1.0.0", "-m", "tag on a tag")
    repo.git("tag", "-a", "tree", "HEAD^{tree}", "-m", "tag on a tree")
    loose = git.list_tags(paths)
    assert (paths.common_dir / "refs/tags/a@v1.0.0").exists()

    repo.git("pack-refs", "--all")

    assert not (paths.common_dir / "refs/tags/a@v1.0.0").exists()
    assert "refs/tags/a@v1.0.0" in (paths.common_dir / "packed-refs").read_text()
    assert git.list_tags(paths) == loose
    # Packed and loose refs at once.
    repo.tag("b@v1.0.0")
    assert [record.name for record in git.list_tags(paths)] == sorted([*by_name(loose), "b@v1.0.0"])


@pytest.mark.parametrize("packed", [False, True])
def test_chains_of_tags_peel_to_the_commit(repo: Repo, paths: git.RepoPaths, packed: bool) -> None:
    head = repo.git("rev-parse", "HEAD")
    repo.tag("t1", message="on the commit")
    repo.git("tag", "-a", "t2", "t1", "-m", "on t1")
    repo.git("tag", "-a", "t3", "t2", "-m", "on t2")
    repo.git("tag", "-a", "t4", "t3", "-m", "on t3")
    repo.git("tag", "light-on-tag", "t3")
    if packed:
        repo.git("pack-refs", "--all")

    records: list[TagRecord] = []
    # The listing's two processes and one batch to peel all chains, however many there are.
    assert processes(lambda: records.extend(git.list_tags(paths))) == 3

    found = by_name(records)
    assert {name: record.commit for name, record in found.items()} == dict.fromkeys(found, head)
    assert found["t3"].message == "on t2"
    # A lightweight ref to a tag object is an annotated tag under another name.
    assert found["light-on-tag"].annotated
    assert found["light-on-tag"].message == "on t2"


def test_tags_on_trees_and_blobs_have_no_commit(repo: Repo, paths: git.RepoPaths) -> None:
    repo.git("tag", "-a", "on-tree", "HEAD^{tree}", "-m", "tree")
    repo.git("tag", "-a", "on-blob", "HEAD:README.md", "-m", "blob")
    repo.git("tag", "light-tree", "HEAD^{tree}")
    repo.git("tag", "-a", "chain-to-tree", "on-tree", "-m", "tag on a tag on a tree")

    found = by_name(git.list_tags(paths))

    assert {name: record.commit for name, record in found.items()} == dict.fromkeys(found)
    assert found["on-tree"].annotated and found["on-blob"].annotated
    assert found["on-tree"].tagger_name == "Alice"
    assert found["light-tree"] == TagRecord("light-tree", annotated=False, commit=None)


def test_repository_without_commits(make_repo: Callable[..., Repo]) -> None:
    paths = git.find_repo(make_repo(commit=False).path)

    assert git.list_tags(paths) == []
    assert git.tag_names(paths) == set()
    assert git.head_commit(paths) is None
    assert git.read_file(paths, "HEAD", "README.md") is None
    with pytest.raises(RefNotFoundError):
        git.resolve_commit(paths, "HEAD")


def test_repository_without_tags(paths: git.RepoPaths) -> None:
    assert git.list_tags(paths) == []


# ---------------------------------------------------------------------------------------------
# list_tags: hostile messages

# Stored message bytes -> the message gto must read. Git stores what ``git tag -F - --cleanup
# =verbatim`` is given, and gto strips exactly one trailing newline.
HOSTILE_MESSAGES: list[tuple[bytes, str]] = [
    (b"line one\nline two\n\n  indented\n", "line one\nline two\n\n  indented"),
    (b"%(contents)%00%(refname)%n%x00\n", "%(contents)%00%(refname)%n%x00"),
    (git._BATCH_FORMAT.encode() + b"\n", git._BATCH_FORMAT),
    # Text shaped like cat-file's header of the next object.
    (b"x\n" + b"0" * 40 + b" tag 12 forged\nobject 1\n", "x\n" + "0" * 40 + " tag 12 forged\nobject 1"),
    (b"\\0 NUL \\x00 ^@ \\u0000\n", "\\0 NUL \\x00 ^@ \\u0000"),
    # Text shaped like the end of one record and the start of the next.
    (
        b"x\n12\nrefs/tags/forged\ntag\n" + b"0" * 40 + b"\n\n",
        "x\n12\nrefs/tags/forged\ntag\n" + "0" * 40 + "\n",
    ),
    ("Ünïcødé ✓ 🚀 中文 ﷽\n".encode(), "Ünïcødé ✓ 🚀 中文 ﷽"),
    (b"", ""),
    (b"\n", ""),
    (b"ends with two newlines\n\n", "ends with two newlines\n"),
    (b"no trailing newline", "no trailing newline"),
    (b"bad \xff\xfe utf-8 \xc3\n", "bad \ufffd\ufffd utf-8 \ufffd"),
    (b"windows\r\nline\r\n", "windows\r\nline\r"),
    (
        b"# not a comment\n-----BEGIN PGP SIGNATURE-----\nnot really\n",
        "# not a comment\n-----BEGIN PGP SIGNATURE-----\nnot really",
    ),
    (b"\x01\x02\x1b[31mcontrol\x7f\n", "\x01\x02\x1b[31mcontrol\x7f"),
]


def test_hostile_messages_cannot_break_the_framing(repo: Repo, paths: git.RepoPaths) -> None:
    head = repo.git("rev-parse", "HEAD")
    for index, (stored, _) in enumerate(HOSTILE_MESSAGES):
        run_git(repo, "tag", "-a", "--cleanup=verbatim", "-F", "-", f"h{index:02}", input=stored)
        tag_object = run_git_bytes(repo, "cat-file", "tag", f"h{index:02}")
        assert tag_object.endswith(b"\n\n" + stored)
    repo.tag("zz-sentinel", message="still in step", date=EPOCH)

    records = git.list_tags(paths)

    expected = {f"h{index:02}": message for index, (_, message) in enumerate(HOSTILE_MESSAGES)}
    assert {record.name: record.message for record in records[:-1]} == expected
    assert all(record.commit == head and record.tagger_name == "Alice" for record in records)
    assert records[-1] == TagRecord(
        "zz-sentinel",
        True,
        head,
        "Alice",
        "alice@example.com",
        datetime.fromtimestamp(EPOCH, UTC),
        "still in step",
    )


def test_message_with_a_nul_byte_cannot_break_the_framing(repo: Repo, paths: git.RepoPaths) -> None:
    head = repo.git("rev-parse", "HEAD")
    fake = f"\0\n5\0refs/tags/forged\0tag\0{'0' * 40}\0commit\0{head}\0Eve\0<e@x>\0{EPOCH} +0000\0".encode()
    make_tag_object(repo, "nul", head, b"before" + fake + b"after\n")
    repo.tag("zz-sentinel", message="still in step")

    found = by_name(git.list_tags(paths))

    assert set(found) == {"nul", "zz-sentinel"}
    # Git 2.39 prints a message up to its first NUL; a git that printed it whole would be
    # read whole, by its size.
    assert found["nul"].message in ("before", "before" + fake.decode() + "after")
    assert found["nul"].commit == head
    assert found["zz-sentinel"].message == "still in step"


def framed(oid: bytes, kind: bytes, name: bytes, content: bytes) -> bytes:
    """One object as ``git cat-file --batch`` writes it in ``list_tags`` (the lister's ref name echoed)."""
    return b"%s %s %d refs/tags/%s\n%s\n" % (oid, kind, len(content), name, content)


def tag_object(target: bytes, kind: bytes, name: bytes, tagger: bytes, message: bytes) -> bytes:
    return b"object %s\ntype %s\ntag %s\n%s\n%s" % (target, kind, name, tagger, message)


def test_reader_takes_objects_by_their_size_whatever_the_chunks() -> None:
    commit = b"c" * 40
    # A message that looks like the end of one object and the header of the next.
    evil = b"a\n\n" + b"9" * 40 + b" commit 3 forged\nxyz\n"
    objects = [
        (
            b"1" * 40,
            b"tag",
            b"a",
            tag_object(commit, b"commit", b"a", b"tagger Al <al@x> 1700000000 +0100", b"\nplain\n"),
        ),
        (b"2" * 40, b"tag", b"b", tag_object(commit, b"commit", b"b", b"tagger Bo <bo@x> 0 -0130", b"\n" + evil)),
        (commit, b"commit", b"c", b"tree " + b"e" * 40 + b"\n\nsubject\n"),
        (b"4" * 40, b"missing", b"", b""),
        # No tagger line, a name and a message that are not ASCII: read field by field.
        (b"3" * 40, b"tag", b"d\xff", b"object " + b"2" * 40 + b"\ntype tag\ntag d\n\n\xe2\x9c\x93"),
        (
            b"5" * 40,
            b"tag",
            b"\xc3\xa9",
            tag_object(commit, b"commit", b"e", "tagger Zoë <z@x> 5 +0000".encode(), b"\n\xff\n"),
        ),
        (b"6" * 40, b"blob", b"f", b"x" * 5000),
    ]
    data = b"".join(
        b"%s missing\n" % oid if kind == b"missing" else framed(oid, kind, name, content)
        for oid, kind, name, content in objects
    )
    expected = [
        TagRecord(
            "a",
            True,
            "c" * 40,
            "Al",
            "al@x",
            datetime(2023, 11, 14, 23, 13, 20, tzinfo=timezone(timedelta(hours=1))),
            "plain",
        ),
        TagRecord(
            "b",
            True,
            "c" * 40,
            "Bo",
            "bo@x",
            datetime(1969, 12, 31, 22, 30, tzinfo=timezone(-timedelta(hours=1, minutes=30))),
            evil.decode()[:-1],
        ),
        TagRecord("c", False, "c" * 40),
        TagRecord("d\ufffd", True, None, "", "", None, "✓"),
        TagRecord("é", True, "c" * 40, "Zoë", "z@x", datetime.fromtimestamp(5, UTC), "\ufffd"),
        TagRecord("f", False, None),
    ]
    for size in (1, 2, 3, 7, 10, 64, 1000, len(data)):
        ids: dict[str, str] = {}
        reader = git._TagReader(ids)
        for start in range(0, len(data), size):
            reader.feed(data[start : start + size])
        reader.finish()

        assert reader.records == expected, size
        assert reader.times == [1700000000, 0, None, None, 5, None]
        assert reader.chains == {3: "3" * 40}
        assert ids == {
            "a": "1" * 40,
            "b": "2" * 40,
            "c": commit.decode(),
            "d\ufffd": "3" * 40,
            "é": "5" * 40,
            "f": "6" * 40,
        }


def test_reader_rejects_output_that_breaks_the_framing() -> None:
    reader = git._TagReader()
    with pytest.raises(ValueError):
        reader.feed(b"1" * 40 + b" tag 3 a\nabcd\n")  # the size says 3 bytes, then no newline
    truncated = git._TagReader()
    truncated.feed(b"1" * 40 + b" tag 99 a\nshort\n")
    with pytest.raises(ValueError):
        truncated.finish()
    garbled = git._TagReader()
    with pytest.raises(ValueError):
        garbled.feed(b"what is this\n")


def spawned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The git commands started from now on (their first word), in order."""
    commands: list[str] = []
    spawn = git._spawn

    def recording(directory: Path, args: Sequence[str], **options: Any) -> subprocess.Popen[bytes]:
        commands.append(args[0])
        return spawn(directory, args, **options)

    monkeypatch.setattr(git, "_spawn", recording)
    return commands


def test_show_ref_lists_every_tag_and_for_each_ref_the_tags_patterns_select(
    repo: Repo, paths: git.RepoPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a@v1.0.0", "a#prod#1", "b@v1.0.0"):
        repo.tag(name)
    commands = spawned(monkeypatch)
    # show-ref writes refs as it walks them; for-each-ref gathers and sorts them first.
    every = git.list_tags(paths)
    assert commands == ["show-ref", "cat-file"]
    commands.clear()
    selected = git.list_tags(paths, ["a@*", "a#*"])
    assert commands == ["for-each-ref", "cat-file"]
    assert selected == every[:2]


def test_tag_pointing_at_a_missing_object_is_left_out(
    repo: Repo, paths: git.RepoPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.tag("a@v1.0.0")
    repo.tag("c@v1.0.0")
    (paths.common_dir / "refs/tags/b@v1.0.0").write_text("1234567890" * 4 + "\n")
    commands = spawned(monkeypatch)
    ids: dict[str, str] = {"stale": "0" * 40}
    batches: list[str] = []

    records = git.list_tags(paths, ids=ids, on_batch=lambda batch, _: batches.extend(r.name for r in batch))

    # show-ref stops at the broken tag; for-each-ref lists it, and cat-file says it is missing.
    assert commands == ["show-ref", "cat-file", "for-each-ref", "cat-file"]
    assert [record.name for record in records] == ["a@v1.0.0", "c@v1.0.0"]
    assert ids == {name: oid for name, oid in git.list_tag_ids(paths).items() if name != "b@v1.0.0"}
    assert batches[-2:] == ["a@v1.0.0", "c@v1.0.0"]  # the batches start over with the listing
    assert git.tag_names(paths) == {"a@v1.0.0", "b@v1.0.0", "c@v1.0.0"}


# ---------------------------------------------------------------------------------------------
# Many tags


def test_ten_thousand_tags_are_read_with_two_processes(repo: Repo, paths: git.RepoPaths) -> None:
    commits = bulk.add_commits(repo.path, 20)
    tags = bulk.registry_tags(commits, 10_000)
    bulk.add_tags(repo.path, tags)

    records: list[TagRecord] = []
    assert processes(lambda: records.extend(git.list_tags(paths))) == 2

    assert len(records) == 10_000
    assert {record.name for record in records} == {tag.name for tag in tags}
    found = by_name(records)
    for tag in tags[::997]:
        assert found[tag.name] == TagRecord(
            tag.name,
            True,
            tag.target,
            "Alice",
            "alice@example.com",
            datetime.fromtimestamp(tag.timestamp, UTC),
            tag.message,
        )
    assert len(git.tag_names(paths)) == 10_000


def test_bulk_tags_read_like_tags_made_by_git(repo: Repo, paths: git.RepoPaths) -> None:
    head = repo.git("rev-parse", "HEAD")
    repo.tag("made-by-git", message="same message", date=EPOCH)
    bulk.add_tags(repo.path, [bulk.BulkTag("made-by-bulk", head, "same message", timestamp=EPOCH + 60)], packed=False)
    bulk.add_tags(repo.path, [bulk.BulkTag("packed-by-bulk", head, "same message", timestamp=EPOCH + 60)])

    made_by_git, made_by_bulk, packed = git.list_tags(paths)

    assert made_by_git.message == made_by_bulk.message == packed.message == "same message"
    assert made_by_bulk.commit == packed.commit == head
    run_git(repo, "fsck", "--strict")


# ---------------------------------------------------------------------------------------------
# Reading files and revisions


def test_read_files_answers_every_request_with_one_process(repo: Repo, paths: git.RepoPaths) -> None:
    first = repo.commit(
        {
            "artifacts.yaml": "churn:\n  type: model\n",
            "dir/unicode.txt": "✓ Ünïcødé\n",
            "my file.txt": "spaces\n",
            "empty.txt": "",
            "looks-like-a-header.txt": "0123456789012345678901234567890123456789 blob 5\nmissing\n",
        }
    )
    (repo.path / "bad.bin").write_bytes(b"bad \xff\n")
    second = repo.commit({"artifacts.yaml": "churn:\n  type: dataset\n"})
    requests = [
        (first, "artifacts.yaml"),
        (second, "artifacts.yaml"),
        ("HEAD", "dir/unicode.txt"),
        (first, "my file.txt"),
        (first, "empty.txt"),
        (first, "looks-like-a-header.txt"),
        (second, "bad.bin"),
        (first, "bad.bin"),  # added later
        (first, "missing.yaml"),
        ("0" * 40, "artifacts.yaml"),  # no such revision
        ("no-such-branch", "artifacts.yaml"),
        (first, "dir"),  # a directory
        ("", "artifacts.yaml"),  # would read the index
        (first, "new\nline"),
    ]
    requests += [(second, f"generated/{index}.yaml") for index in range(300)]
    requests += [(first, "artifacts.yaml")] * 3  # repeated

    answers: dict[tuple[str, str], str | None] = {}
    assert processes(lambda: answers.update(git.read_files(paths, requests))) == 1

    assert answers[(first, "artifacts.yaml")] == "churn:\n  type: model\n"
    assert answers[(second, "artifacts.yaml")] == "churn:\n  type: dataset\n"
    assert answers[("HEAD", "dir/unicode.txt")] == "✓ Ünïcødé\n"
    assert answers[(first, "my file.txt")] == "spaces\n"
    assert answers[(first, "empty.txt")] == ""
    assert answers[(first, "looks-like-a-header.txt")] == "0123456789012345678901234567890123456789 blob 5\nmissing\n"
    assert answers[(second, "bad.bin")] == "bad \ufffd\n"
    assert set(answers) == set(requests)
    present = {request for request, text in answers.items() if text is not None}
    assert present == set(requests[:7])


def test_read_file_and_no_requests(repo: Repo, paths: git.RepoPaths) -> None:
    assert git.read_file(paths, "HEAD", "README.md") == "demo\n"
    assert git.read_file(paths, "HEAD", "nope") is None
    assert processes(lambda: git.read_files(paths, [])) == 0


def test_read_commits_with_one_process(repo: Repo, paths: git.RepoPaths) -> None:
    first = repo.git("rev-parse", "HEAD")
    (repo.path / "f.txt").write_text("x")
    repo.git("add", "f.txt")
    env = {
        "GIT_AUTHOR_NAME": "Bob Ünïcødé",
        "GIT_AUTHOR_EMAIL": "bob@example.com",
        "GIT_AUTHOR_DATE": f"{EPOCH - 3600} +0200",
        "GIT_COMMITTER_DATE": f"{EPOCH} -0130",
    }
    run_git(repo, "commit", "-q", "--cleanup=verbatim", "-m", "Add f\n\nbody # kept\n", env=env)
    second = repo.git("rev-parse", "HEAD")
    repo.tag("a@v1.0.0")

    infos: dict[str, git.CommitInfo] = {}
    requests = [first, second, "a@v1.0.0", "0" * 40, "HEAD^{tree}", "-x"]
    assert processes(lambda: infos.update(git.read_commits(paths, requests))) == 1

    assert set(infos) == {first, second, "a@v1.0.0"}
    minus_0130 = timezone(-timedelta(hours=1, minutes=30))
    assert infos[second] == git.CommitInfo(
        "Bob Ünïcødé", "bob@example.com", datetime.fromtimestamp(EPOCH, minus_0130), "Add f\n\nbody # kept"
    )
    created_at = infos[second].created_at
    assert created_at is not None
    assert created_at.isoformat() == "2023-11-14T20:43:20-01:30"
    assert infos["a@v1.0.0"] == infos[second]
    assert (infos[first].author, infos[first].message) == ("Alice", "init")
    assert processes(lambda: git.read_commits(paths, [])) == 0


def test_head_commit_and_resolve_commit(repo: Repo, paths: git.RepoPaths) -> None:
    first = repo.git("rev-parse", "HEAD")
    repo.tag("t1")
    repo.git("tag", "-a", "t2", "t1", "-m", "on t1")
    second = repo.commit()

    assert git.head_commit(paths) == second
    assert git.resolve_commit(paths, "HEAD") == second
    assert git.resolve_commit(paths, "HEAD~1") == first
    assert git.resolve_commit(paths, first[:8]) == first
    assert git.resolve_commit(paths, "t2") == first
    assert git.resolve_commit(paths, "refs/tags/t1") == first


@pytest.mark.parametrize("ref", ["nope", "HEAD^{tree}", "HEAD:README.md", "-x", "--all", "", "HEAD~5"])
def test_resolve_commit_errors(repo: Repo, paths: git.RepoPaths, ref: str) -> None:
    if ref.startswith("HEAD^") or ref.startswith("HEAD:"):
        ref = repo.git("rev-parse", ref)  # the id of a tree or a blob
    with pytest.raises(RefNotFoundError) as raised:
        git.resolve_commit(paths, ref)
    assert str(raised.value) == f"Ref '{ref}' does not resolve to a commit"


def test_committer_identity(paths: git.RepoPaths) -> None:
    assert git.committer_identity(paths) == ("Alice", "alice@example.com")


def unset_identity(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    # Without this git may make an address up from the user and host names.
    repo.git("config", "user.useConfigOnly", "true")


def test_missing_identity_is_a_clear_error(repo: Repo, paths: git.RepoPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    head = repo.git("rev-parse", "HEAD")
    unset_identity(repo, monkeypatch)

    with pytest.raises(GitError, match="git config user.email") as raised:
        git.committer_identity(paths)
    assert "\n" not in str(raised.value)
    with pytest.raises(GitError, match="git config user.email"):
        git.create_tag(paths, "a@v1.0.0", head, "m")
    # An explicit tagger needs no configured identity.
    git.create_tag(paths, "a@v1.0.0", head, "m", tagger_name="Bob", tagger_email="bob@example.com")
    assert git.list_tags(paths)[0].tagger_name == "Bob"


# ---------------------------------------------------------------------------------------------
# Writing tags


def test_create_tag_reads_back_exactly(repo: Repo, paths: git.RepoPaths) -> None:
    head = repo.git("rev-parse", "HEAD")
    message = "# not a comment\n\n  indented, trailing spaces  \n\nÜnïcødé %(contents)"

    git.create_tag(paths, "churn@v1.0.0", head, message)

    [record] = git.list_tags(paths)
    assert (record.name, record.annotated, record.commit) == ("churn@v1.0.0", True, head)
    assert (record.tagger_name, record.tagger_email) == ("Alice", "alice@example.com")
    assert record.message == message
    # Like `git tag -m`, the object stores the message and one newline.
    assert repo.git("cat-file", "tag", "churn@v1.0.0").endswith("\n\n" + message)


def test_create_tag_tagger_override_stays_out_of_os_environ(repo: Repo, paths: git.RepoPaths) -> None:
    head = repo.git("rev-parse", "HEAD")
    environ = dict(os.environ)

    git.create_tag(
        paths,
        "a#prod#1",
        head,
        "Assigning",
        tagger_name="Bob B",
        tagger_email="bob@example.com",
        date=f"{EPOCH} +0130",
    )
    git.create_tag(paths, "a#prod#2", head, "by git's identity")

    assert dict(os.environ) == environ
    overridden, default = git.list_tags(paths)
    assert (overridden.tagger_name, overridden.tagger_email) == ("Bob B", "bob@example.com")
    assert overridden.created_at is not None
    assert overridden.created_at.isoformat() == "2023-11-14T23:43:20+01:30"
    assert (default.tagger_name, default.tagger_email) == ("Alice", "alice@example.com")


def test_create_tag_peels_to_the_commit(repo: Repo, paths: git.RepoPaths) -> None:
    head = repo.git("rev-parse", "HEAD")
    repo.tag("t1")

    git.create_tag(paths, "on-tag", "t1", "m")

    assert run_git(repo, "cat-file", "-t", "on-tag^{}") == "commit"
    assert run_git(repo, "rev-parse", "on-tag~0") == head


def test_create_tag_never_overwrites(repo: Repo, paths: git.RepoPaths) -> None:
    first = repo.git("rev-parse", "HEAD")
    git.create_tag(paths, "a@v1.0.0", first, "original")
    repo.lightweight_tag("light")
    second = repo.commit()

    for name in ("a@v1.0.0", "light"):
        with pytest.raises(TagExistsError) as raised:
            git.create_tag(paths, name, second, "replacement")
        assert str(raised.value) == f"Tag '{name}' already exists"

    found = by_name(git.list_tags(paths))
    assert (found["a@v1.0.0"].commit, found["a@v1.0.0"].message) == (first, "original")
    assert found["light"] == TagRecord("light", False, first)


@pytest.mark.parametrize("commit", ["nope", "HEAD^{tree}"])
def test_create_tag_on_a_non_commit(repo: Repo, paths: git.RepoPaths, commit: str) -> None:
    with pytest.raises(RefNotFoundError, match="does not resolve to a commit"):
        git.create_tag(paths, "a@v1.0.0", commit, "m")
    assert git.tag_names(paths) == set()


def test_create_tag_refuses_nul_and_bad_names(repo: Repo, paths: git.RepoPaths) -> None:
    head = repo.git("rev-parse", "HEAD")
    with pytest.raises(GitError, match="NUL"):
        git.create_tag(paths, "a@v1.0.0", head, "a\0b")
    for name in ("bad name", "-leading-dash", "a..b", "x~1"):
        with pytest.raises(GitError) as raised:
            git.create_tag(paths, name, head, "m")
        assert "\n" not in str(raised.value)
    assert git.tag_names(paths) == set()


RACER = """
import sys
from gto import git
from gto.errors import TagExistsError

paths = git.find_repo(sys.argv[1])
commit = git.head_commit(paths)
print("ready", flush=True)
sys.stdin.readline()
try:
    git.create_tag(paths, sys.argv[2], commit, sys.argv[3])
except TagExistsError:
    print("lost", flush=True)
else:
    print("won", flush=True)
"""


def test_racing_writers_exactly_one_wins(repo: Repo, paths: git.RepoPaths) -> None:
    racers = 4
    for attempt in range(3):
        name = f"rf#prod#{attempt + 1}"
        children = [
            subprocess.Popen(
                [sys.executable, "-c", RACER, str(repo.path), name, f"racer {index}"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for index in range(racers)
        ]
        # Start them all at once, once every racer is ready.
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline() == "ready\n"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [child.communicate(timeout=60)[0].strip() for child in children]

        assert sorted(results) == ["lost"] * (racers - 1) + ["won"], results
        winner = results.index("won")
        assert by_name(git.list_tags(paths))[name].message == f"racer {winner}"


def test_delete_tags_with_one_process(repo: Repo, paths: git.RepoPaths) -> None:
    for name in ("a@v1.0.0", "a#prod#1", "b@v1.0.0"):
        repo.tag(name)
    repo.lightweight_tag("light")

    assert processes(lambda: git.delete_tags(paths, ["a@v1.0.0", "a#prod#1", "light"])) == 1

    assert git.tag_names(paths) == {"b@v1.0.0"}
    assert processes(lambda: git.delete_tags(paths, [])) == 0


def test_delete_tags_names_the_missing_ones(repo: Repo, paths: git.RepoPaths) -> None:
    repo.tag("a@v1.0.0")

    with pytest.raises(RefNotFoundError) as raised:
        git.delete_tags(paths, ["a@v1.0.0", "nope"])

    assert str(raised.value) == "Tag 'nope' not found"
    assert git.tag_names(paths) == set()


# ---------------------------------------------------------------------------------------------
# Pushing


@pytest.fixture
def remote(repo: Repo, tmp_path: Path) -> Path:
    """A bare repository on disk, set up as ``origin`` with the main branch pushed."""
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.git("push", "-q", "origin", "main")
    return bare


def remote_tags(bare: Path) -> dict[str, str]:
    output = subprocess.run(
        ["git", "-C", str(bare), "for-each-ref", "--format=%(refname:lstrip=2) %(objectname)", "refs/tags"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split(" ") for line in output.splitlines())


def test_push_tags_pushes_exactly_the_named_tags(repo: Repo, paths: git.RepoPaths, remote: Path) -> None:
    for name in ("a@v1.0.0", "a#prod#1", "b@v1.0.0"):
        repo.tag(name)
    # Even with push.followTags, which would send every annotated tag on the pushed commits.
    repo.git("config", "push.followTags", "true")

    assert processes(lambda: git.push_tags(paths, ["a@v1.0.0", "a#prod#1"])) == 1

    local = {record.name: record for record in git.list_tags(paths)}
    pushed = remote_tags(remote)
    assert set(pushed) == {"a@v1.0.0", "a#prod#1"}
    assert pushed["a@v1.0.0"] == repo.git("rev-parse", "refs/tags/a@v1.0.0")
    assert local.keys() == {"a@v1.0.0", "a#prod#1", "b@v1.0.0"}

    git.push_tags(paths, ["a#prod#1"], delete=True)

    assert set(remote_tags(remote)) == {"a@v1.0.0"}
    assert "a#prod#1" in git.tag_names(paths)


def test_push_tags_to_another_remote(repo: Repo, paths: git.RepoPaths, remote: Path) -> None:
    repo.git("remote", "rename", "origin", "upstream")
    repo.tag("a@v1.0.0")

    git.push_tags(paths, ["a@v1.0.0"], remote="upstream")

    assert set(remote_tags(remote)) == {"a@v1.0.0"}


def test_rejected_push_is_a_push_error_and_keeps_the_local_tag(repo: Repo, paths: git.RepoPaths, remote: Path) -> None:
    head = repo.git("rev-parse", "HEAD")
    subprocess.run(["git", "-C", str(remote), "tag", "-a", "a@v1.0.0", head, "-m", "theirs"], check=True)
    repo.tag("a@v1.0.0", message="ours")

    with pytest.raises(PushError) as raised:
        git.push_tags(paths, ["a@v1.0.0"])

    message = str(raised.value)
    assert message.startswith("Pushing to 'origin' failed: refs/tags/a@v1.0.0 [rejected]")
    assert "already exists" in message and "\n" not in message
    assert git.list_tags(paths)[0].message == "ours"


def test_push_to_a_missing_remote_is_a_push_error(repo: Repo, paths: git.RepoPaths) -> None:
    repo.tag("a@v1.0.0")

    with pytest.raises(PushError) as raised:
        git.push_tags(paths, ["a@v1.0.0"], remote="nowhere")

    assert "'nowhere' does not appear to be a git repository" in str(raised.value)
    assert "\n" not in str(raised.value)
    assert git.tag_names(paths) == {"a@v1.0.0"}


def test_push_of_a_missing_local_tag_is_a_push_error(repo: Repo, paths: git.RepoPaths, remote: Path) -> None:
    with pytest.raises(PushError, match="does not match any"):
        git.push_tags(paths, ["nope"])


# ---------------------------------------------------------------------------------------------
# The repository


def test_find_repo_from_a_subdirectory(repo: Repo) -> None:
    (repo.path / "deep/er").mkdir(parents=True)
    root = repo.path.resolve()

    for start in (repo.path, repo.path / "deep/er", str(repo.path / "deep")):
        assert git.find_repo(start) == git.RepoPaths(root, root / ".git", root / ".git")


def test_find_repo_default_is_the_current_directory(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.path)
    assert git.find_repo().work_tree == repo.path.resolve()


def test_find_repo_in_a_linked_worktree(repo: Repo, tmp_path: Path) -> None:
    repo.tag("a@v1.0.0")
    worktree = tmp_path / "wt"
    repo.git("worktree", "add", "-q", str(worktree))

    paths = git.find_repo(worktree)

    root = repo.path.resolve()
    assert paths == git.RepoPaths(worktree.resolve(), root / ".git/worktrees/wt", root / ".git")
    assert [record.name for record in git.list_tags(paths)] == ["a@v1.0.0"]


def test_find_repo_ignores_git_dir_in_the_environment(
    make_repo: Callable[..., Repo], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, other = make_repo(), make_repo()
    other.tag("other@v1.0.0")
    # As inside a git hook of the other repository.
    monkeypatch.setenv("GIT_DIR", str(other.path / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other.path))

    paths = git.find_repo(one.path)

    assert paths.work_tree == one.path.resolve()
    assert git.list_tags(paths) == []


def test_find_repo_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "file.txt").write_text("x")

    for path in (plain, plain / "file.txt", tmp_path / "does-not-exist"):
        with pytest.raises(NotARepositoryError) as raised:
            git.find_repo(path)
        assert str(raised.value) == f"'{path}' is not a git repository"


def test_find_repo_in_a_bare_repository(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)

    with pytest.raises(NotARepositoryError, match="not inside a git work tree"):
        git.find_repo(bare)


def test_missing_git_executable(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with pytest.raises(GitError) as raised:
        git.find_repo(repo.path)

    assert str(raised.value) == "git is not installed or not on PATH"


def test_importing_gto_git_is_cheap() -> None:
    # Neither GitPython nor heavy libraries; not even subprocess until git runs.
    heavy = "{'git', 'gitdb', 'yaml', 'pydantic', 'subprocess'}"
    code = f"import sys, gto.git; print(sorted({heavy} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------
# list_tag_ids and read_tags_by_id: what a long-running reader uses to follow changes


def test_tag_ids_agree_with_list_tags(repo: Repo, paths: git.RepoPaths) -> None:
    first = repo.git("rev-parse", "HEAD")
    repo.tag("a@v1.0.0", message="one", date=EPOCH)
    repo.tag("models/nlp=churn@v0.0.1", date=EPOCH + 1)
    repo.lightweight_tag("light", first)
    repo.git("tag", "-a", "nested", "a@v1.0.0", "-m", "tag on a tag")
    repo.git("tag", "-a", "tree", "HEAD^{tree}", "-m", "tag on a tree")
    repo.git("pack-refs", "--all")
    repo.tag("loose@v1.0.0", date=EPOCH + 2)
    every = git.list_tags(paths)

    ids = git.list_tag_ids(paths)
    assert sorted(ids) == [record.name for record in every]
    assert ids["light"] == first
    assert ids["a@v1.0.0"] == repo.git("rev-parse", "refs/tags/a@v1.0.0")


_FOR_EACH_REF_FIELDS = (
    "contents:size",
    "refname",
    "objecttype",
    "objectname",
    "type",
    "object",
    "taggername",
    "taggeremail",
    "taggerdate:raw",
    "contents",
)


def records_by_for_each_ref(repo: Repo, paths: git.RepoPaths) -> list[TagRecord]:
    """The records of every tag from the fields ``git for-each-ref`` prints (no message here holds a NUL
    after git's own cut at the first one), peeled as ``list_tags`` peels them."""
    output = run_git_bytes(
        repo, "for-each-ref", "--format=" + "%00".join(f"%({f})" for f in _FOR_EACH_REF_FIELDS) + "%00", "refs/tags"
    )
    fields = output.decode("utf-8", "surrogateescape").split("\0")
    reader = git._TagReader()
    for start in range(0, len(fields) - 1, len(_FOR_EACH_REF_FIELDS)):
        reader.add(fields[start : start + len(_FOR_EACH_REF_FIELDS)])
    assert reader.times == [
        int(record.created_at.timestamp()) if record.created_at is not None else None for record in reader.records
    ]
    return git._peel_chains(paths, reader)


def test_read_tags_by_id_reads_objects_exactly_as_list_tags_does(repo: Repo, paths: git.RepoPaths) -> None:
    commit = repo.git("rev-parse", "HEAD")
    repo.tag("plain@v1.0.0", message="one")
    repo.tag("lines@v1.0.0", message="line1\n\nline3\n\n")
    run_git(repo, "tag", "-a", "offset@v1.0.0", "-m", "x", env={"GIT_COMMITTER_DATE": f"{EPOCH} +0130"})
    repo.lightweight_tag("light")
    repo.git("tag", "-a", "nested", "plain@v1.0.0", "-m", "tag on a tag")
    repo.git("tag", "-a", "tree", "HEAD^{tree}", "-m", "tag on a tree")
    # Hand-made objects that git tag never writes, stored as they are (hash-object --literally).
    odd = {
        "no-email": b"tagger NoEmail 1700000000 +0000\n\nmsg\n",
        "no-tagger": b"\nno tagger\n",
        "blank-lines": b"tagger X <x@y> 1700000000 -0000\n\n\n\nleading blanks\n",
        "no-message": b"tagger X <x@y> 1700000000 +0000\n",
        "signed": b"tagger X <x@y> 1 +0000\n\nmsg\n-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n",
        "latin1": "tagger Ünï <x@y> 1700000000 +0530\n\n".encode() + b"\xff\xfe bad utf8\n",
        "garbage-date": b"tagger X <x@y> garbage\n\nmsg\n",
        "no-date": b"tagger X <x@y>\n\nmsg\n",
        "huge-date": b"tagger X <x@y> 99999999999999999999 +0000\n\nmsg\n",
        "odd-offset": b"tagger  <> 1 +9999\n\nm",
        "nul": b"tagger X <x@y> 1700000000 +0000\n\nbefore\0after\n",
    }
    for name, rest in odd.items():
        body = f"object {commit}\ntype commit\ntag {name}\n".encode() + rest
        oid = run_git(repo, "hash-object", "-t", "tag", "-w", "--stdin", "--literally", input=body)
        run_git(repo, "update-ref", f"refs/tags/{name}", oid)
    ids: dict[str, str] = {}
    listed = git.list_tags(paths, ids=ids)
    assert ids == git.list_tag_ids(paths)
    # Both read the objects themselves: what git's own for-each-ref says of each tag is the reference.
    assert by_name(listed) == by_name(records_by_for_each_ref(repo, paths))

    assert processes(lambda: git.read_tags_by_id(paths, ids)) == 2  # the objects, and a chain to peel
    assert by_name(git.read_tags_by_id(paths, ids)) == by_name(listed)
    assert git.read_tags_by_id(paths, {"light": ids["light"]}) == [by_name(listed)["light"]]
    assert git.read_tags_by_id(paths, {"gone": "0" * 40}) == []
    assert git.read_tags_by_id(paths, {}) == []

"""Fast builders of big repositories, for tests and benchmarks.

``git tag`` starts one process and writes one ref file per tag, so 10,000 tags take minutes.
Here the tag objects of any number of tags go into one pack, built in Python and indexed by
one ``git index-pack``, and their refs into the ``packed-refs`` file in one write (or, for
loose refs, one ``git update-ref --stdin``). Commits come from one ``git fast-import``. The
result is an ordinary repository: ``git fsck`` is happy with it.

Both the tests (``from bench.bulk import …``) and the benchmark generator (``bench.repogen``)
build their repositories here; there is no other copy.

Assumes SHA-1 repositories (git's default). Tag objects are byte-for-byte what ``git tag -a``
writes for a one-line message: the message followed by one newline.
"""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import tempfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BulkTag", "add_commits", "add_refs", "add_tags", "registry_tags"]

_PACK_TYPES = {"commit": 1, "tree": 2, "blob": 3, "tag": 4}
_PACKED_REFS_HEADER = "# pack-refs with: peeled fully-peeled sorted \n"


@dataclass(frozen=True, slots=True)
class BulkTag:
    """One annotated tag to create; ``target`` is the hexsha of a commit, tree or blob."""

    name: str
    target: str
    message: str = ""
    tagger_name: str = "Alice"
    tagger_email: str = "alice@example.com"
    timestamp: int = 1_700_000_000
    offset: str = "+0000"
    target_type: str = "commit"

    def body(self) -> bytes:
        """The tag object's content, as git would write it."""
        return (
            f"object {self.target}\ntype {self.target_type}\ntag {self.name}\n"
            f"tagger {self.tagger_name} <{self.tagger_email}> {self.timestamp} {self.offset}\n\n"
            f"{self.message}\n"
        ).encode()


def add_commits(
    path: Path,
    count: int,
    *,
    branch: str = "main",
    start: int = 1_700_000_000,
    files: Mapping[str, bytes] | None = None,
) -> list[str]:
    """Append ``count`` commits to ``branch`` with one ``git fast-import``; return their hexshas.

    The first commit adds ``files`` (path -> content) to the tree of the branch; the others
    change no file, so a checked-out branch keeps a clean work tree as long as ``files`` is
    empty. Committer dates start at ``start`` and go up a minute per commit.
    """
    parent = _git(path, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}", check=False)
    lines: list[bytes] = []
    for index in range(1, count + 1):
        message = f"commit {index}\n".encode()
        lines.append(
            f"commit refs/heads/{branch}\nmark :{index}\n"
            f"committer Alice <alice@example.com> {start + 60 * index} +0000\ndata {len(message)}\n".encode()
            + message
        )
        if index == 1 and parent:
            lines.append(f"from {parent}\n".encode())
        if index == 1 and files:
            for name, content in files.items():
                lines.append(f"M 100644 inline {name}\ndata {len(content)}\n".encode() + content + b"\n")
        lines.append(b"\n")
    with tempfile.TemporaryDirectory() as scratch:
        marks = Path(scratch) / "marks"
        _git(path, "fast-import", "--quiet", f"--export-marks={marks}", input=b"".join(lines))
        ids = dict(line.split(" ") for line in marks.read_text().splitlines())
    return [ids[f":{index}"] for index in range(1, count + 1)]


def add_tags(path: Path, tags: Iterable[BulkTag], *, packed: bool = True) -> list[str]:
    """Create annotated tags in bulk; return the ids of their tag objects.

    ``packed=True`` writes the refs into ``packed-refs`` (the fast way; what ``git pack-refs``
    would leave), ``packed=False`` as loose ref files. Every name must be new.
    """
    tags = list(tags)
    bodies = [tag.body() for tag in tags]
    _index_pack(path, [("tag", body) for body in bodies])
    oids = [hashlib.sha1(b"tag %d\0" % len(body) + body).hexdigest() for body in bodies]
    refs = {f"refs/tags/{tag.name}": (oid, tag) for tag, oid in zip(tags, oids, strict=True)}
    if len(refs) != len(tags):
        raise ValueError("two bulk tags have the same name")
    if packed:
        entries: dict[str, tuple[str, str | None]] = {}
        for ref, (oid, tag) in refs.items():
            if tag.target_type == "tag":
                raise ValueError(f"{ref}: bulk tags cannot point at tags (the peeled line would be wrong)")
            entries[ref] = (oid, tag.target)
        _write_packed_refs(path, entries)
    else:
        _update_refs(path, {ref: oid for ref, (oid, _) in refs.items()})
    return oids


def add_refs(path: Path, refs: Mapping[str, str], *, packed: bool = True) -> None:
    """Create refs that point straight at objects: branches, lightweight tags.

    ``refs`` maps full ref names (``refs/heads/x``, ``refs/tags/y``) to object ids, which must
    not be tag objects in the packed form. Every name must be new.
    """
    if packed:
        _write_packed_refs(path, {ref: (oid, None) for ref, oid in refs.items()})
    else:
        _update_refs(path, refs)


def registry_tags(commits: Sequence[str], count: int, *, artifacts: int = 100) -> list[BulkTag]:
    """``count`` GTO tags spread over ``artifacts`` artifacts and ``commits``, for benchmarks.

    Each artifact gets registrations ``a{k}@v0.0.{n}`` on successive commits, and every
    third version also a ``prod`` assignment with the next counter; tagger dates increase.
    """
    tags: list[BulkTag] = []
    counters = [0] * artifacts
    index = 0
    while len(tags) < count:
        artifact = index % artifacts
        version = f"v0.0.{index // artifacts + 1}"
        commit = commits[index % len(commits)]
        when = 1_700_000_000 + 60 * len(tags)
        name = f"a{artifact}"
        tags.append(
            BulkTag(f"{name}@{version}", commit, f"Registering artifact {name} version {version}", timestamp=when)
        )
        if index % 3 == 0 and len(tags) < count:
            counters[artifact] += 1
            message = f"Assigning stage prod to artifact {name} version {version}"
            tags.append(BulkTag(f"{name}#prod#{counters[artifact]}", commit, message, timestamp=when + 1))
        index += 1
    return tags


def _git(path: Path, *args: str, input: bytes | None = None, check: bool = True) -> str:
    result = subprocess.run(["git", "-C", os.fspath(path), *args], input=input, capture_output=True, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"git {args[0]} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout.decode().strip()


def _index_pack(path: Path, objects: Sequence[tuple[str, bytes]]) -> None:
    """Write ``objects`` as one pack into the repository."""
    parts = [b"PACK", struct.pack(">II", 2, len(objects))]
    for kind, body in objects:
        # Object header: type in bits 4-6 of the first byte, then the size, 4 + 7n bits.
        size = len(body)
        byte = (_PACK_TYPES[kind] << 4) | (size & 0x0F)
        size >>= 4
        header = bytearray()
        while size:
            header.append(byte | 0x80)
            byte = size & 0x7F
            size >>= 7
        header.append(byte)
        parts += [bytes(header), _deflate(body)]
    data = b"".join(parts)
    _git(path, "index-pack", "--stdin", input=data + hashlib.sha1(data).digest())


def _deflate(data: bytes) -> bytes:
    # A small window and little memory: zlib.compress() spends ten times longer setting up
    # its default state than compressing a tag object.
    compressor = zlib.compressobj(1, zlib.DEFLATED, 9, 1)
    return compressor.compress(data) + compressor.flush()


def _update_refs(path: Path, refs: Mapping[str, str]) -> None:
    """Create loose refs with one ``git update-ref --stdin`` (one transaction)."""
    commands = "".join(f"create {ref} {oid}\n" for ref, oid in refs.items())
    _git(path, "update-ref", "--stdin", input=commands.encode())


def _write_packed_refs(path: Path, new: Mapping[str, tuple[str, str | None]]) -> None:
    """Merge new refs into ``packed-refs``, with peeled lines as ``git pack-refs`` writes them.

    ``new`` maps a ref to its object id and, for a tag object, the commit it peels to.
    """
    existing = set(_git(path, "for-each-ref", "--format=%(refname)").splitlines())
    entries: dict[str, list[str]] = {}
    for ref, (oid, peeled) in new.items():
        if ref in existing:
            raise ValueError(f"{ref} already exists")
        entries[ref] = [f"{oid} {ref}\n"] + ([f"^{peeled}\n"] if peeled else [])
    common = Path(path, _git(path, "rev-parse", "--git-common-dir"))
    packed_refs = common / "packed-refs"
    if packed_refs.exists():
        lines = packed_refs.read_text().splitlines(keepends=True)
        if not lines or lines[0] != _PACKED_REFS_HEADER:
            raise ValueError(f"{packed_refs} has an unexpected header")
        for line in lines[1:]:
            if line.startswith("^"):
                entries[ref].append(line)
            else:
                ref = line.split(" ", 1)[1].rstrip("\n")
                entries[ref] = [line]
    lock = common / "packed-refs.lock"
    with open(lock, "x") as out:
        out.write(_PACKED_REFS_HEADER)
        for ref in sorted(entries):
            out.writelines(entries[ref])
    os.replace(lock, packed_refs)

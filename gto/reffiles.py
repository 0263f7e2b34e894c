"""Following tag refs through git's ref files, without running git: which tags changed, cheaply.

Git's ``files`` ref backend keeps a tag either as a loose file ``refs/tags/<name>`` holding an
object id or as a line of ``packed-refs``; a loose file wins over a packed line. A long-running
reader that must notice one new tag among 100,000 cannot ask git each time: ``for-each-ref``
reads every loose ref, seconds with that many. ``TagRefs`` remembers what one look saw: each
directory under ``refs/tags`` with its identity (inode, modification time) and its entries
(name, inode), the id each loose ref held, and ``packed-refs``' identity and lines (read only
once some look needs them). ``changes`` stats the directories and ``packed-refs`` again, lists
only the directories whose identity moved, reads only the loose refs whose inode is new, parses
``packed-refs`` only when it was replaced (or a loose ref left and its packed line counts), and
names the tags whose id changed. ``unchanged`` is the same check with stats only.

Git writes a ref by renaming a lock file over it: the ref gets a new inode and its directory a
new modification time; ``packed-refs`` is replaced the same way. File times come from a coarse
clock, so a directory modified within ``RACY_NS`` of a look could change again without its time
moving: such a listing is not trusted, and the next look lists that directory again.

What this module does not understand (the ``reftable`` backend, a symbolic or unreadable loose
tag ref) makes it give up with None; callers then ask git (``gto.git.list_tag_ids``).

What it must not do: run git, read objects, or know anything of the GTO tag grammar.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "RACY_NS",
    "READ_LOOSE_LIMIT",
    "Look",
    "TagRefs",
    "begin_look",
    "changes",
    "look",
    "unchanged",
    "uses_reftable",
]

# Listings of directories modified this recently before the look are not trusted (file times
# advance in clock ticks of a few milliseconds; the margin covers them many times over).
RACY_NS = 100_000_000
_HEX = frozenset("0123456789abcdef")

# A first look reads up to this many loose refs itself; with more, git's listing is cheaper.
READ_LOOSE_LIMIT = 1000

# (inode, modification time in ns), or None for a listing that must be made again next time.
_Identity = tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class _Directory:
    """One directory under ``refs/tags`` as listed: loose refs by entry name, and subdirectories."""

    identity: _Identity
    files: Mapping[str, int]  # entry name -> inode
    subdirectories: tuple[str, ...]  # relative paths below refs/tags


_MISSING = _Directory((0, 0), {}, ())


@dataclass(frozen=True, slots=True)
class TagRefs:
    """Where every tag ref pointed at one look, and what it takes to look again cheaply.

    ``ids`` maps each tag name (as git lists it, invalid UTF-8 read as U+FFFD) to the id of
    the object its ref names. The lines of ``packed-refs`` are None until a look needs them:
    they are then read from the file, which is still the one whose identity was taken.
    """

    ids: Mapping[str, str]
    _loose: Mapping[str, str]
    _packed: Mapping[str, str] | None
    _packed_identity: _Identity
    _directories: Mapping[str, _Directory]


class _Unsupported(Exception):
    """Something in the ref files this module does not read (git must list the refs)."""


def look(common_dir: Path, list_ids: Callable[[], Mapping[str, str]]) -> TagRefs | None:
    """A first look: the ref files listed, then the ids of the loose refs read.

    Up to ``READ_LOOSE_LIMIT`` loose refs are read here; with more, ``list_ids()`` (git's own
    listing) gives the ids rather than 100,000 files read one by one. The files are listed
    before the ids are read, so whatever changes in between moves a directory or
    ``packed-refs`` after this look and is seen by the next one. None when the repository's
    refs are not plain files, or a loose ref is not an object id (``list_ids`` is then not
    called).
    """
    begun = begin_look(common_dir)
    return begun.finish(list_ids) if begun is not None else None


@dataclass(frozen=True, slots=True)
class Look:
    """A first look whose files are listed and whose ids are still to read (``begin_look``)."""

    common_dir: Path
    directories: Mapping[str, _Directory]
    packed_identity: _Identity

    def finish(self, list_ids: Callable[[], Mapping[str, str]]) -> TagRefs | None:
        """The ids read (``look`` says how); None when the ref files cannot tell them."""
        try:
            packed = _read_packed(self.common_dir / "packed-refs")
        except _Unsupported:
            return None
        names = _loose_names(self.directories)
        if len(names) <= READ_LOOSE_LIMIT and all(name.isascii() for name in names):
            # Few loose refs: reading them costs less than git's listing of every ref.
            root = _tags_root(self.common_dir)
            try:
                loose = {name: oid for name in names if (oid := _read_loose(os.path.join(root, name))) is not None}
            except _Unsupported:
                return None
            return TagRefs({**packed, **loose}, loose, packed, self.packed_identity, self.directories)
        ids = dict(list_ids())
        loose = {name: ids.get(name, "") for name in names}
        return TagRefs(ids, loose, packed, self.packed_identity, self.directories)

    def finish_listed(self, ids: Mapping[str, str]) -> TagRefs:
        """The look, with the ids of a git listing that began after it (``gto.git.list_tags``).

        Whatever moved since this look began moved a directory or ``packed-refs``, which the
        next look sees: the listing stands for this look. No file is read, not even
        ``packed-refs`` (100,000 lines take 80 ms): a later look reads it if it needs it.
        """
        loose = {name: ids.get(name, "") for name in _loose_names(self.directories)}
        return TagRefs(ids, loose, None, self.packed_identity, self.directories)


def begin_look(common_dir: Path) -> Look | None:
    """The first half of ``look``: list the ref files, and take their identities.

    Whatever changes after this moves what it took, and the next look sees it; so a reader may
    list tags with git right away and take that listing's ids for the look
    (``Look.finish_listed``), or read them as ``look`` does (``Look.finish``).
    None when the repository's refs are not plain files.
    """
    taken = time.time_ns()
    if uses_reftable(common_dir):
        return None
    try:
        directories = _list_tree(_tags_root(common_dir), {}, taken)
        packed_identity = _identity(common_dir / "packed-refs", taken)
    except _Unsupported:
        return None
    return Look(common_dir, directories, packed_identity)


def changes(
    common_dir: Path, refs: TagRefs, hints: Collection[str] | None = None
) -> tuple[TagRefs, frozenset[str]] | None:
    """Look again: the new ``TagRefs`` and the names of the tags added, removed or moved.

    Costs one ``stat`` per directory under ``refs/tags`` plus ``packed-refs`` when nothing
    changed; a changed directory is listed again (its loose refs whose inode is new are read),
    a replaced ``packed-refs`` parsed again. None when the refs can no longer be read here.

    ``hints`` are paths a file watcher reported changed since the last look (any paths; those
    of loose tag refs count). Then only those loose refs are read, and no directory is listed:
    a directory of 100,000 refs takes 100 ms or more to list. Since events of changes made
    during this look may still be on their way, the directories holding hinted refs are not
    trusted afterwards: ``unchanged`` says no, and the next look without hints lists them.
    A hint naming a directory falls back to listing.
    """
    taken = time.time_ns()
    if uses_reftable(common_dir):
        return None
    root = _tags_root(common_dir)
    try:
        names: list[str] = []
        if hints is None:
            directories = _list_tree(root, refs._directories, taken)
        else:
            names = _hinted_names(root, hints)
            hinted = _hinted(root, refs._directories, names)
            if hinted is None:
                return changes(common_dir, refs)
            directories = hinted
        packed_path = common_dir / "packed-refs"
        packed_identity = _identity(packed_path, taken)
        candidates: set[str] = set()
        packed = refs._packed
        if packed_identity is None or packed_identity != refs._packed_identity:
            # A tag without a loose ref has the id of its packed line: the tags whose packed
            # line now says otherwise than their id, or is gone, may have moved.
            packed = _read_packed(packed_path)
            ids, old_loose = refs.ids, refs._loose
            candidates.update(name for name, oid in packed.items() if ids.get(name) != oid and name not in old_loose)
            candidates.update(name for name in ids.keys() - packed.keys() if name not in old_loose)
        loose = refs._loose
        if directories is refs._directories:
            pass
        elif hints is None:
            loose = dict(loose)
            _apply_listings(root, refs._directories, directories, loose, candidates)
        else:
            # The hinted refs are read whatever their inode: one deleted and made again keeps its
            # name and may get its inode back.
            loose = dict(loose)
            for name in names:
                oid = _read_loose(os.path.join(root, name))
                if loose.get(name) != oid:
                    candidates.add(name)
                    if oid is None:
                        del loose[name]
                    else:
                        loose[name] = oid
    except _Unsupported:
        return None
    if not candidates:
        return TagRefs(refs.ids, loose, packed, packed_identity, directories), frozenset()
    ids = dict(refs.ids)
    for name in candidates:
        oid = loose.get(name)
        if not oid:
            if packed is None:
                try:
                    # Not read yet, and not replaced since the look that took its identity.
                    packed = _read_packed(packed_path)
                except _Unsupported:
                    return None
            oid = packed.get(name)
        if oid:
            ids[name] = oid
        else:
            ids.pop(name, None)
    changed = frozenset(name for name in candidates if refs.ids.get(name) != ids.get(name))
    return TagRefs(ids, loose, packed, packed_identity, directories), changed


def unchanged(common_dir: Path, refs: TagRefs) -> bool:
    """Whether a look now would find exactly ``refs`` again (stats only, no listing)."""
    taken = time.time_ns()
    if refs._packed_identity is None or _identity(common_dir / "packed-refs", taken) != refs._packed_identity:
        return False
    root = _tags_root(common_dir)
    for relative, directory in refs._directories.items():
        if directory.identity is None or _identity(_join(root, relative), taken) != directory.identity:
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Reading the files


def _tags_root(common_dir: Path) -> str:
    return os.path.join(common_dir, "refs", "tags")


def _join(root: str, relative: str) -> str:
    return os.path.join(root, relative) if relative else root


def uses_reftable(common_dir: Path) -> bool:
    """Whether the repository keeps its refs in git's ``reftable`` format (not read here)."""
    return os.path.isdir(os.path.join(common_dir, "reftable"))


def _identity(path: str | Path, taken: int) -> _Identity:
    """The identity of ``path`` to compare at the next look: (0, 0) when it does not exist,
    None when it was modified too shortly before ``taken`` to be trusted."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return (0, 0)
    if info.st_mtime_ns >= taken - RACY_NS:
        return None
    return (info.st_ino, info.st_mtime_ns)


def _list_tree(root: str, previous: Mapping[str, _Directory], taken: int) -> Mapping[str, _Directory]:
    """Every directory under ``root`` (keyed by relative path), reusing unchanged listings.

    Returns ``previous`` itself when no directory changed, so that callers can tell cheaply.
    """
    directories: dict[str, _Directory] = {}
    same = True
    stack = [""]
    while stack:
        relative = stack.pop()
        path = _join(root, relative)
        identity = _identity(path, taken)
        if identity == (0, 0):
            if relative:
                same = False  # the directory is gone
                continue
            # No refs/tags at all: remembered as missing, so that its creation is noticed.
            old = previous.get(relative)
            directories[relative] = old if old is not None and old.identity == identity else _MISSING
            same = same and directories[relative] is old
            continue
        old = previous.get(relative)
        if old is not None and identity is not None and old.identity == identity:
            directories[relative] = old
            stack.extend(old.subdirectories)
            continue
        same = False
        try:
            with os.scandir(path) as listing:
                entries = list(listing)
        except (FileNotFoundError, NotADirectoryError):
            continue
        # Lock files stay in the listing (a write in progress); they are never read as refs.
        files = {entry.name: entry.inode() for entry in entries}
        subdirectories = []
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                del files[entry.name]
                subdirectories.append(f"{relative}/{entry.name}" if relative else entry.name)
        directories[relative] = _Directory(identity, files, tuple(subdirectories))
        stack.extend(subdirectories)
    if same and len(directories) == len(previous):
        return previous
    return directories


def _hinted_names(root: str, hints: Collection[str]) -> list[str]:
    """The tag names (paths relative to ``root``) of the hinted loose refs, lock files left out."""
    prefix = root + os.sep
    return [
        path[len(prefix) :].replace(os.sep, "/")
        for path in hints
        if path.startswith(prefix) and not path.endswith(".lock")
    ]


def _hinted(root: str, previous: Mapping[str, _Directory], names: list[str]) -> Mapping[str, _Directory] | None:
    """``previous`` with the hinted loose refs ``names`` looked at again, their directories untrusted.

    None when a hint is a directory, or names one (created or removed), or may have lost bytes
    that are not UTF-8: listing is then needed.
    """
    touched: dict[str, dict[str, int]] = {}
    for name in names:
        if "\ufffd" in name:
            return None  # a name that is not UTF-8 may not survive the watcher's report of it
        relative, _, entry = name.rpartition("/")
        directory = previous.get(relative)
        if directory is None or name in previous:
            return None
        try:
            info = os.lstat(os.path.join(root, name))
        except (FileNotFoundError, NotADirectoryError):
            info = None
        if info is not None and not stat.S_ISREG(info.st_mode):
            return None
        files = touched.get(relative)
        if files is None:
            files = touched[relative] = dict(directory.files)
        if info is None:
            files.pop(entry, None)
        else:
            files[entry] = info.st_ino
    if not touched:
        return previous
    directories = dict(previous)
    for relative, files in touched.items():
        directories[relative] = _Directory(None, files, previous[relative].subdirectories)
    return directories


def _loose_names(directories: Mapping[str, _Directory]) -> list[str]:
    return [
        _tag_name(relative, name)
        for relative, directory in directories.items()
        for name in directory.files
        if not name.endswith(".lock")
    ]


def _tag_name(relative: str, entry: str) -> str:
    name = f"{relative}/{entry}" if relative else entry
    # Names as git lists them: the bytes that are not UTF-8 read as U+FFFD.
    return name if name.isascii() else name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _apply_listings(
    root: str,
    old: Mapping[str, _Directory],
    new: Mapping[str, _Directory],
    loose: dict[str, str],
    candidates: set[str],
) -> None:
    """Update ``loose`` from the directories listed again; add the names touched to ``candidates``."""
    for relative, directory in new.items():
        before = old.get(relative)
        if before is directory:
            continue
        old_files = before.files if before is not None else {}
        if directory.files == old_files:
            continue
        moved = [entry for entry, inode in directory.files.items() if old_files.get(entry) != inode]
        for entry in moved:
            if entry.endswith(".lock"):
                continue
            name = _tag_name(relative, entry)
            oid = _read_loose(os.path.join(_join(root, relative), entry))
            if oid is None:
                loose.pop(name, None)  # removed since the listing
            else:
                loose[name] = oid
            candidates.add(name)
        for entry in old_files.keys() - directory.files.keys():
            if entry.endswith(".lock"):
                continue
            name = _tag_name(relative, entry)
            loose.pop(name, None)
            candidates.add(name)
    for relative in old.keys() - new.keys():
        for entry in old[relative].files:
            if entry.endswith(".lock"):
                continue
            name = _tag_name(relative, entry)
            loose.pop(name, None)
            candidates.add(name)


def _read_loose(path: str) -> str | None:
    """The object id a loose ref holds; None when it was removed. Raises ``_Unsupported``
    for anything else than an object id (a symbolic ref, a damaged file)."""
    try:
        with open(path, "rb") as file:
            content = file.read(200)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise _Unsupported(str(error)) from None
    oid = content.strip().decode("ascii", "replace")
    if len(oid) not in (40, 64) or not _HEX.issuperset(oid):
        raise _Unsupported(f"{path} does not hold an object id")
    return oid


def _read_packed(path: Path) -> dict[str, str]:
    """The tag lines of ``packed-refs``: name -> object id (peeled lines left out)."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise _Unsupported(str(error)) from None
    # Decoded at once: bytes that are not UTF-8 never take an ASCII space or line break with
    # them, so each name reads as it would alone (U+FFFD for the bad bytes, as git lists it).
    packed: dict[str, str] = {}
    prefix = "refs/tags/"
    start = len(prefix)
    for line in data.decode("utf-8", "replace").split("\n"):
        oid, _, ref = line.partition(" ")
        if ref.startswith(prefix):
            packed[ref[start:]] = oid
    return packed

"""Noticing that a repository changed: file-system events as hints, and a cheap fingerprint.

What the registry depends on lives in a few places: tag refs (loose files under ``refs/tags``,
``packed-refs``, or the ``reftable`` directory where git uses it), ``HEAD`` and branch refs
(``artifacts.yaml`` is read at HEAD's commit), and the work tree's ``.gto``. ``watch`` follows
them with watchfiles and calls back with the paths of each debounced batch; ``fingerprint``
sums the identity (inode, mtime, size) of the same files without running git (tag refs can be
left to ``gto.reffiles``), for the check before each request and the periodic check that
repairs any event the watcher missed.

Git replaces files by renaming a lock file over them (``packed-refs`` too), so directories are
watched, never single files; watchfiles' default filter drops everything under ``.git``, so
this module passes its own. Events are hints only: nothing here reads a ref or decides what
changed. It must not run git.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from gto.git import RepoPaths

logger = logging.getLogger(__name__)

# watchfiles yields a batch once no new event came for STEP ms, and at most DEBOUNCE ms after
# the first one: a burst such as `git fetch` of many tags becomes one refresh.
DEBOUNCE_MS = 200
STEP_MS = 20
_MASK = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class WatchedPaths:
    """The places the registry depends on, absolute.

    ``trees`` are directories whose every file matters (``refs/tags``, ``refs/heads``,
    ``reftable``); ``files`` are single files (``packed-refs``, ``HEAD``, ``.gto``,
    ``artifacts.yaml`` in the work tree), watched through their directories.
    """

    trees: tuple[Path, ...]
    files: tuple[Path, ...]

    def matters(self, path: str) -> bool:
        """Tell whether a changed path is one of ours (lock files are not: their rename is)."""
        if path.endswith(".lock"):
            return False
        candidate = Path(path)
        return candidate in self.files or any(candidate.is_relative_to(tree) for tree in self.trees)


def watched_paths(repo: RepoPaths, work_tree_files: Iterable[str]) -> WatchedPaths:
    """What to follow for ``repo``; ``work_tree_files`` are relative to the work tree."""
    common = repo.common_dir
    files = [common / "packed-refs", common / "HEAD", repo.git_dir / "HEAD"]
    files.extend(repo.work_tree / name for name in work_tree_files)
    trees = (common / "refs" / "tags", common / "refs" / "heads", common / "reftable")
    return WatchedPaths(trees=trees, files=tuple(dict.fromkeys(files)))


def fingerprint(watched: WatchedPaths, *, tag_refs: bool = True) -> tuple[int, int]:
    """A cheap summary of every watched file's identity: equal summaries mean nothing was rewritten.

    ``tag_refs=False`` leaves ``refs/tags`` out, for a caller that follows the tag refs
    itself (``gto.reffiles``, a stat per directory instead of a listing of every ref).

    Git writes a ref by renaming a new file over the old one, so a rewrite changes the inode even
    when size and time look the same. In the ref trees the name and inode of each file, which
    the directory listing itself gives, are enough: no ``stat`` per loose ref (the daemon runs
    this before every command it answers, and a registry may hold 100,000 loose refs).
    Directories count with their modification time. The sum does not depend on listing order.
    """
    count = 0
    total = 0
    for tree in watched.trees:
        if not tag_refs and tree.name == "tags" and tree.parent.name == "refs":
            continue
        stack = [os.fspath(tree)]
        while stack:
            directory = stack.pop()
            try:
                entries = list(os.scandir(directory))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                        identity = entry.stat(follow_symlinks=False).st_mtime_ns
                    else:
                        identity = entry.inode()
                except FileNotFoundError:
                    continue
                count += 1
                total += hash((entry.path, identity))
    for file in watched.files:
        try:
            info = os.stat(file, follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):
            total += hash((os.fspath(file), None))
            continue
        count += 1
        total += hash((os.fspath(file), info.st_ino, info.st_mtime_ns, info.st_size))
    return count, total & _MASK


async def watch(watched: WatchedPaths, on_change: Callable[[set[str]], None], stop: asyncio.Event) -> None:
    """Call ``on_change`` with the paths of each debounced batch of relevant events, until ``stop`` is set.

    Trees are watched recursively (a new ``refs/tags/models/`` directory is followed); the
    directories of single files are watched without their subdirectories, so that a big work
    tree or ``.git/objects`` costs nothing. A path that cannot be watched is logged and left to
    the periodic check.
    """
    from watchfiles import awatch

    def relevant(_change: object, path: str) -> bool:
        return watched.matters(path)

    async def follow(paths: list[Path], recursive: bool) -> None:
        existing = [path for path in paths if path.is_dir()]
        if not existing:
            return
        try:
            async for batch in awatch(
                *existing,
                watch_filter=relevant,
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                stop_event=stop,
                recursive=recursive,
            ):
                on_change({path for _, path in batch})
        except Exception:
            # The periodic fingerprint check still notices changes; say why events stopped.
            logger.exception("Watching %s stopped", ", ".join(map(str, existing)))

    directories = list(dict.fromkeys(file.parent for file in watched.files))
    # refs/tags and refs/heads live under refs/, watched as one tree (either may be created later).
    roots = list(dict.fromkeys(tree.parent if tree.parent.name == "refs" else tree for tree in watched.trees))
    await asyncio.gather(follow(roots, recursive=True), follow(directories, recursive=False))

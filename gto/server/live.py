"""The registry kept in memory and kept current: ``LiveRegistry``.

It holds the current ``api.Registry`` (an immutable value: a query takes it and reads it in
any thread while a refresh builds the next one) and a state ``generation`` that grows by one
each time the registry changes. ``refresh`` reads only what changed: the tags whose ref moved
(``gto.reffiles`` finds them from the ref files with a stat per directory, and their objects
are read by id with one ``cat-file``), HEAD, ``.gto``, and ``artifacts.yaml`` at HEAD when HEAD
moved (parsed again only when its text changed); then ``gto.state.update_state`` rebuilds just
the artifacts those touch. So a new tag costs the same in a registry of any size. The first
read, and a periodic reconciliation, list every tag with git instead. Subscribers hear which
artifacts changed.

Writes go through ``write``: one at a time under one lock (so two clients never allocate the
same counter), through the same ``gto.api`` functions as the command line, followed at once by
a refresh, so the next query already sees them.

What it must not do: run git itself (``gto.git`` does), know about JSON-RPC or connections, or
let a refresh failure take the registry away: a broken ``.gto`` is remembered and raised by
``registry()`` (as the command line would fail), a failing git keeps the last good registry and
is retried by the next check.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, TypeVar

from gto import api, collector, git, reffiles
from gto.annotations import AnnotationsDocument
from gto.config import DEFAULT_ANNOTATIONS_FILE, Config
from gto.errors import ConfigError, GTOError
from gto.server import snapshot, watch
from gto.state import StateBuilder, TagProblem, compute_state, update_state
from gto.tags import TagRecord

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Every this many periodic checks, the refs are listed by git and compared with what the ref
# files said, whatever they say: a repair for changes a stat cannot see (see gto.reffiles).
RECONCILE_EVERY = 15

# A stopping daemon rewrites its snapshot once more tags than this moved since the file was
# written; fewer cost the next start a read by id of each (about 50 ms for 1,000).
SNAPSHOT_REWRITE_AFTER = 1000


@dataclass(frozen=True, slots=True)
class Change:
    """A new generation of the registry and the artifacts whose state changed with it.

    ``artifacts`` is empty when only facts outside any artifact changed (problems ``doctor``
    reports); every artifact is listed when the config changed or the registry became unreadable.
    """

    generation: int
    artifacts: tuple[str, ...]


Subscriber = Callable[[Change], None]


class _HeadRead(NamedTuple):
    """What a refresh reads besides tags: the config, HEAD, the annotations text and its parse."""

    config: Config
    head: str | None
    text: str | None
    annotations: tuple[AnnotationsDocument, tuple[str, ...]]


# ``_read_tags``: refs, ids, records, the tags changed (None: all), a builder, and ``_HeadRead``
# when it was read meanwhile.
_TagsRead = tuple[
    reffiles.TagRefs | None,
    Mapping[str, str],
    dict[str, TagRecord],
    frozenset[str] | None,
    StateBuilder | None,
    _HeadRead | None,
]


class LiveRegistry:
    """One work tree's registry in memory; see the module docstring."""

    def __init__(self, repo: git.RepoPaths, environ: Mapping[str, str], snapshot_path: Path | None = None) -> None:
        self.repo = repo
        self.environ = dict(environ)
        self.generation = 0
        self.started_at = time.time()
        self._started = time.monotonic()
        self._registry: api.Registry | None = None
        self._error: GTOError | None = None
        self._ids: Mapping[str, str] = {}
        self._records: dict[str, TagRecord] = {}
        self._head: str | None = None
        self._annotations_text: str | None = None
        self._config: Config | None = None
        self._annotations: tuple[AnnotationsDocument, tuple[str, ...]] | None = None
        self._refs: reffiles.TagRefs | None = None
        self._fingerprint: tuple[int, int] | None = None
        self._subscribers: list[Subscriber] = []
        self._lock = asyncio.Lock()
        # Where the last daemon left its registry (None: start from nothing, save nothing), what
        # the first load starts from, and the tag ids the file holds (None: none that we read).
        self._snapshot_path = snapshot_path
        self._seed: snapshot.Snapshot | None = None
        self._snapshot_ids: Mapping[str, str] | None = None
        self._loaded_from_snapshot = False

    # -- reading -----------------------------------------------------------------------------

    def registry(self) -> api.Registry:
        """The current registry; raises the error that made it unreadable (an invalid ``.gto``)."""
        if self._error is not None:
            raise self._error
        assert self._registry is not None, "load() runs before the registry is served"
        return self._registry

    @property
    def tag_count(self) -> int:
        return len(self._ids)

    @property
    def uptime(self) -> float:
        return time.monotonic() - self._started

    def watched(self) -> watch.WatchedPaths:
        """The files the registry depends on (the work tree's annotations file as configured)."""
        annotations_file = self._config.annotations_file if self._config else DEFAULT_ANNOTATIONS_FILE
        return watch.watched_paths(self.repo, (api.CONFIG_FILE, annotations_file))

    # -- changing ----------------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber`` (on the event loop) after each change; returns the unsubscribe call."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def load(self) -> None:
        """The first read, before anything is served (blocking).

        With a snapshot that the last daemon saved, only the tags whose id moved since are read,
        and the saved state is brought up to date as a refresh would (``gto.server.snapshot``);
        otherwise every tag is read. What it built lives as long as the daemon: it is moved out
        of the cyclic garbage collector's sight (``gc.freeze``), so that later collections do
        not walk 100,000 records again and again while requests are answered. (Refcounting
        still frees what is replaced.)
        """
        # Unpickling a snapshot allocates as much as a read: the collector must not scan it.
        with collector.paused():
            if self._snapshot_path is not None:
                self._seed = snapshot.read(self._snapshot_path)
            if self._seed is not None:
                # The ids and records the last daemon saved stand for an earlier read: the first
                # refresh lists the ids and reads only the tags whose id moved since.
                self._ids, self._records = self._seed.ids, dict(self._seed.records)
            self._sync()
        self._seed = None
        gc.freeze()

    @property
    def from_snapshot(self) -> bool:
        """Whether the first load started from a snapshot (and read only the tags that moved)."""
        return self._loaded_from_snapshot

    def save_snapshot(self) -> bool:
        """Leave the registry for the next daemon, unless the file it started from will do.

        Called when the daemon stops, with no refresh running: the ids, records and state
        saved are those of one refresh. Writing takes seconds at 100,000 tags, so a snapshot
        from which at most ``SNAPSHOT_REWRITE_AFTER`` tags moved stays: the next daemon reads
        those few by id. True when the file holds a usable snapshot afterwards.
        """
        if self._snapshot_path is None or self._registry is None or self._error is not None:
            return False
        if self._snapshot_ids is not None and len(_moved(self._snapshot_ids, self._ids)) <= SNAPSHOT_REWRITE_AFTER:
            return True
        assert self._annotations is not None
        saved = snapshot.Snapshot(
            self._ids,
            self._records,
            self._registry.state,
            (self._annotations_text, repr(self._config)),
            self._annotations,
        )
        if not snapshot.write(self._snapshot_path, saved):
            return False
        self._snapshot_ids = self._ids
        return True

    async def refresh(self, *, reconcile: bool = False, hints: frozenset[str] | None = None) -> Change | None:
        """Re-read the repository and apply what changed; tell subscribers when something did.

        ``reconcile`` lists every tag with git rather than trusting the ref files; ``hints`` are
        the paths file events reported since the last refresh (see ``gto.reffiles.changes``).
        """
        async with self._lock:
            return self._publish(await asyncio.to_thread(self._sync, reconcile=reconcile, hints=hints))

    async def refresh_if_changed(self) -> Change | None:
        """Refresh only when something the registry depends on moved (before each command)."""
        if await asyncio.to_thread(self._current):
            return None
        return await self.refresh()

    def _current(self) -> bool:
        """Whether nothing moved since the last refresh: a few stats, no listing of refs."""
        if watch.fingerprint(self.watched(), tag_refs=False) != self._fingerprint:
            return False
        if self._refs is not None:
            return reffiles.unchanged(self.repo.common_dir, self._refs)
        # With reftable the fingerprint covers every ref; refs that gto.reffiles could not read
        # (a symbolic tag, a damaged file) are listed by git on every check.
        return reffiles.uses_reftable(self.repo.common_dir)

    async def write(self, operation: Callable[[api.Registry], T]) -> T:
        """Run a ``gto.api`` write on the current registry, alone, then refresh at once.

        Changes that no event announced yet are read first, so the write validates against
        what git holds now; counters are allocated by ``gto.api`` from git itself. A cancelled
        request does not cut the write short: it finishes, lock held, and is refreshed.
        """
        return await asyncio.shield(self._write(operation))

    async def _write(self, operation: Callable[[api.Registry], T]) -> T:
        async with self._lock:
            if not await asyncio.to_thread(self._current):
                self._publish(await asyncio.to_thread(self._sync))
            registry = self.registry()
            try:
                return await asyncio.to_thread(operation, registry)
            finally:
                self._publish(await asyncio.to_thread(self._sync))

    async def follow(self, stop: asyncio.Event, *, watch_files: bool, check_interval: float) -> None:
        """Keep the registry current until ``stop`` is set.

        File events (when ``watch_files``) mark the registry dirty and collect the paths they
        name; one refresh at a time then reads whatever changed meanwhile, looking at the named
        loose refs rather than listing their directories, so a burst of events costs one or two
        refreshes.
        Every ``check_interval`` seconds (0: never) the fingerprint check repairs missed events.
        """
        dirty = asyncio.Event()
        pending: set[str] = set()

        def changed(paths: set[str]) -> None:
            pending.update(paths)
            dirty.set()

        async def refresher() -> None:
            while True:
                await dirty.wait()
                dirty.clear()
                hints = frozenset(pending)
                pending.clear()
                await self._guarded(self.refresh(hints=hints))

        async def checker() -> None:
            pause = check_interval
            checks = 0
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), pause)
                except TimeoutError:
                    began = time.monotonic()
                    checks += 1
                    if checks % RECONCILE_EVERY == 0:
                        await self._guarded(self.refresh(reconcile=True))
                    else:
                        await self._guarded(self.refresh_if_changed())
                    # Thousands of loose refs make a check cost; keep checks under 5% of the time.
                    pause = max(check_interval, 20 * (time.monotonic() - began))

        tasks = [asyncio.create_task(refresher())]
        if watch_files:
            tasks.append(asyncio.create_task(watch.watch(self.watched(), changed, stop)))
        if check_interval > 0:
            tasks.append(asyncio.create_task(checker()))
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    @staticmethod
    async def _guarded(refresh: Awaitable[Change | None]) -> None:
        # A bug in a refresh must not stop the daemon from following the repository.
        try:
            await refresh
        except Exception:
            logger.exception("Refresh failed")

    def _publish(self, change: Change | None) -> Change | None:
        if change is not None:
            logger.info("Generation %d: %s", change.generation, ", ".join(change.artifacts) or "problems only")
            for subscriber in list(self._subscribers):
                try:
                    subscriber(change)
                except Exception:
                    logger.exception("A subscriber failed on generation %d", change.generation)
        return change

    # -- the refresh itself (blocking; one at a time) -----------------------------------------

    def _sync(self, *, reconcile: bool = False, hints: frozenset[str] | None = None) -> Change | None:
        """Read what changed since the last refresh and swap in the new registry."""
        # The first load is frozen out of the collector's sight (``load``); refreshes allocate little.
        with collector.paused(promote=self._registry is None):
            return self._sync_paused(reconcile, hints)

    def _sync_paused(self, reconcile: bool, hints: frozenset[str] | None) -> Change | None:
        # Taken before reading: a change made during the read moves it again, and is read next time.
        fingerprint = watch.fingerprint(self.watched(), tag_refs=False)
        first = self._registry is None and self._error is None
        try:
            refs, ids, records, changed, builder, read = self._read_tags(reconcile, hints)
            config, head, text, (document, warnings) = read if read is not None else self._read_head()
        except ConfigError as error:
            self._fingerprint = fingerprint
            return self._fail(error, first)
        except GTOError as error:
            # Git failed (a repository being repacked, a disk error): keep serving what we have,
            # and leave the fingerprint unset so that the next check tries again.
            logger.warning("Refresh failed, keeping generation %d: %s", self.generation, error)
            self._fingerprint = None
            return None
        seed = self._seed
        old = self._registry
        if seed is not None and changed is not None:
            # The saved state was computed from the saved records: bring it up to date as a refresh
            # would (it equals a full computation on the records of now).
            update = update_state(seed.state, seed.records, records, document.entries, changed=changed)
            state = update.state
            artifacts = set(state.artifacts)
            registry = api.Registry(self.repo, config, state, document, warnings, self.environ)
            self._loaded_from_snapshot = True
            self._snapshot_ids = seed.ids
        elif old is None or self._error is not None or changed is None:
            if builder is not None:
                state = builder.finish(list(records.values()), document.entries)
            else:
                state = compute_state(records.values(), document.entries)
            artifacts = set(state.artifacts) | (set(old.state.artifacts) if old else set())
            registry = api.Registry(self.repo, config, state, document, warnings, self.environ)
        elif not changed and config == self._config and document is old.annotations:
            # Nothing the registry is made of moved (refs packed, HEAD on a commit with the same
            # annotations): keep the very same registry, and the answers queries remember on it.
            registry, state, artifacts = old, old.state, set()
        else:
            update = update_state(old.state, self._records, records, document.entries, changed=changed)
            state = update.state
            artifacts = set(update.artifacts)
            if config != self._config or warnings != old.warnings:
                artifacts |= set(state.artifacts) | set(old.state.artifacts)
            registry = api.Registry(self.repo, config, state, document, warnings, self.environ)
        differs = bool(artifacts) or self._error is not None or _problems(old) != state.problems
        self._refs, self._ids, self._records, self._head, self._annotations_text = refs, ids, records, head, text
        self._config, self._annotations = config, (document, warnings)
        self._registry, self._error, self._fingerprint = registry, None, fingerprint
        if first or not differs:
            return None
        self.generation += 1
        return Change(self.generation, tuple(sorted(artifacts)))

    def _read_tags(self, reconcile: bool, hints: frozenset[str] | None = None) -> _TagsRead:
        """The tag refs, their ids and records, which tags changed (None: read them all), a
        builder, and what ``_read_head`` says when it was read meanwhile.

        Normally the ref files (and the paths file events named, ``hints``) say which tags
        moved and only those are read. The first read lists every tag with git, once, and
        builds the state while git reads (the builder, when it holds the records returned); a
        reconciliation (or refs the files cannot tell) lists every id with git and reads the
        tags whose id differs.
        """
        common_dir = self.repo.common_dir
        if self._refs is not None and not reconcile:
            found = reffiles.changes(common_dir, self._refs, hints)
            if found is not None:
                refs, changed = found
                return refs, refs.ids, self._read_changed(refs.ids, changed), changed, None, None
        if not self._records:
            return self._read_all()
        looked = reffiles.look(common_dir, lambda: git.list_tag_ids(self.repo))
        ids = looked.ids if looked is not None else git.list_tag_ids(self.repo)
        changed = _moved(self._ids, ids)
        return looked, ids, self._read_changed(ids, changed), changed, None, None

    def _read_all(self) -> _TagsRead:
        """The first read: git lists every tag on another thread, feeding a ``StateBuilder``,
        while this one reads the config and ``artifacts.yaml`` at HEAD.

        The ref files are looked at first (their identities only), so git lists what the look
        vouches for or newer: the look takes git's ids, and whatever moved since is seen by the
        next look.
        """
        begun = reffiles.begin_look(self.repo.common_dir)
        builder = StateBuilder()
        ids: dict[str, str] = {}
        with ThreadPoolExecutor(1, thread_name_prefix="gto-list-tags") as pool:
            listing = pool.submit(git.list_tags, self.repo, ids=ids, on_batch=builder.add)
            read = self._read_head()
            listed = listing.result()
        records = {record.name: record for record in listed}
        return begun.finish_listed(ids) if begun is not None else None, ids, records, None, builder, read

    def _read_head(self) -> _HeadRead:
        """The config, HEAD, ``artifacts.yaml`` at HEAD and its annotations, read again only
        when they may differ from the last read (or the snapshot's)."""
        config = api.read_config(self.repo, self.environ)
        head = git.head_commit(self.repo)
        same_file = self._config is not None and config.annotations_file == self._config.annotations_file
        if head is None:
            text = None
        elif head != self._head or not same_file:
            text = git.read_file(self.repo, head, config.annotations_file)
        else:
            text = self._annotations_text
        seed = self._seed
        if self._annotations is not None and text == self._annotations_text and config == self._config:
            annotations = self._annotations
        elif seed is not None and seed.annotations_key == (text, repr(config)):
            annotations = seed.annotations
        else:
            annotations = api.head_annotations(config, text)
        return _HeadRead(config, head, text, annotations)

    def _read_changed(self, ids: Mapping[str, str], changed: frozenset[str]) -> dict[str, TagRecord]:
        """The records of every tag: the last ones, with the ``changed`` tags read again by id."""
        if not changed:
            return self._records
        records = dict(self._records)
        for name in changed:
            records.pop(name, None)
        for record in git.read_tags_by_id(self.repo, {name: ids[name] for name in changed if name in ids}):
            records[record.name] = record
        return records

    def _fail(self, error: GTOError, first: bool) -> Change | None:
        """Remember why the registry cannot be read; queries raise it until a refresh succeeds."""
        unchanged = self._error is not None and str(self._error) == str(error)
        self._error = error
        if first or unchanged:
            return None
        logger.warning("The registry cannot be read: %s", error)
        self.generation += 1
        return Change(self.generation, tuple(sorted(self._registry.state.artifacts)) if self._registry else ())


def _moved(before: Mapping[str, str], now: Mapping[str, str]) -> frozenset[str]:
    """The tags added, removed or moved between two listings of ids."""
    if before == now:
        return frozenset()  # compared in one C loop: 100,000 ids in a few ms
    return frozenset(name for name in before.keys() | now.keys() if before.get(name) != now.get(name))


def _problems(registry: api.Registry | None) -> tuple[TagProblem, ...]:
    return registry.state.problems if registry is not None else ()

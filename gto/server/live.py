"""The registry kept in memory and kept current: ``LiveRegistry``.

It holds the current ``api.Registry`` (an immutable value: a query takes it and reads it in
any thread while a refresh builds the next one) and a state ``generation`` that grows by one
each time the registry changes. ``refresh`` re-reads what the registry depends on in bulk and
applies only what changed: one ``for-each-ref`` listing tag names and object ids, the records of
the tags whose id changed, HEAD, ``.gto``, and ``artifacts.yaml`` at HEAD when HEAD moved; then
``gto.state.update_state`` rebuilds just the artifacts those touch. Subscribers hear which
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
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from gto import api, git
from gto.config import DEFAULT_ANNOTATIONS_FILE, Config
from gto.errors import ConfigError, GTOError
from gto.server import watch
from gto.state import TagProblem, compute_state, update_state
from gto.tags import TagRecord

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Change:
    """A new generation of the registry and the artifacts whose state changed with it.

    ``artifacts`` is empty when only facts outside any artifact changed (problems ``doctor``
    reports); every artifact is listed when the config changed or the registry became unreadable.
    """

    generation: int
    artifacts: tuple[str, ...]


Subscriber = Callable[[Change], None]


class LiveRegistry:
    """One work tree's registry in memory; see the module docstring."""

    def __init__(self, repo: git.RepoPaths, environ: Mapping[str, str]) -> None:
        self.repo = repo
        self.environ = dict(environ)
        self.generation = 0
        self.started_at = time.time()
        self._started = time.monotonic()
        self._registry: api.Registry | None = None
        self._error: GTOError | None = None
        self._ids: dict[str, str] = {}
        self._records: dict[str, TagRecord] = {}
        self._head: str | None = None
        self._annotations_text: str | None = None
        self._config: Config | None = None
        self._fingerprint: tuple[int, int] | None = None
        self._subscribers: list[Subscriber] = []
        self._lock = asyncio.Lock()

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
        """The first full read, before anything is served (blocking)."""
        self._sync()

    async def refresh(self) -> Change | None:
        """Re-read the repository and apply what changed; tell subscribers when something did."""
        async with self._lock:
            return self._publish(await asyncio.to_thread(self._sync))

    async def refresh_if_changed(self) -> Change | None:
        """Refresh only when the fingerprint of the watched files moved (the periodic check)."""
        current = await asyncio.to_thread(watch.fingerprint, self.watched())
        if current == self._fingerprint:
            return None
        return await self.refresh()

    async def write(self, operation: Callable[[api.Registry], T]) -> T:
        """Run a ``gto.api`` write on the current registry, alone, then refresh at once.

        Changes that no event announced yet are read first, so the write validates against
        what git holds now; counters are allocated by ``gto.api`` from git itself. A cancelled
        request does not cut the write short: it finishes, lock held, and is refreshed.
        """
        return await asyncio.shield(self._write(operation))

    async def _write(self, operation: Callable[[api.Registry], T]) -> T:
        async with self._lock:
            current = await asyncio.to_thread(watch.fingerprint, self.watched())
            if current != self._fingerprint:
                self._publish(await asyncio.to_thread(self._sync))
            registry = self.registry()
            try:
                return await asyncio.to_thread(operation, registry)
            finally:
                self._publish(await asyncio.to_thread(self._sync))

    async def follow(self, stop: asyncio.Event, *, watch_files: bool, check_interval: float) -> None:
        """Keep the registry current until ``stop`` is set.

        File events (when ``watch_files``) only mark the registry dirty; one refresh at a time
        then reads whatever changed meanwhile, so a burst of events costs one or two refreshes.
        Every ``check_interval`` seconds (0: never) the fingerprint check repairs missed events.
        """
        dirty = asyncio.Event()

        async def refresher() -> None:
            while True:
                await dirty.wait()
                dirty.clear()
                await self._guarded(self.refresh())

        async def checker() -> None:
            pause = check_interval
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), pause)
                except TimeoutError:
                    began = time.monotonic()
                    await self._guarded(self.refresh_if_changed())
                    # Thousands of loose refs make a check cost; keep checks under 5% of the time.
                    pause = max(check_interval, 20 * (time.monotonic() - began))

        tasks = [asyncio.create_task(refresher())]
        if watch_files:
            tasks.append(asyncio.create_task(watch.watch(self.watched(), dirty.set, stop)))
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

    def _sync(self) -> Change | None:
        """Read what changed since the last refresh and swap in the new registry."""
        # Taken before reading: a change made during the read moves it again, and is read next time.
        fingerprint = watch.fingerprint(self.watched())
        first = self._registry is None and self._error is None
        try:
            config = api.read_config(self.repo, self.environ)
            head = git.head_commit(self.repo)
            ids = git.list_tag_ids(self.repo)
            records = self._read_records(ids)
            # artifacts.yaml at HEAD is read again only when HEAD moved or the file name changed.
            same_file = self._config is not None and config.annotations_file == self._config.annotations_file
            if head is None:
                text = None
            elif head != self._head or not same_file:
                text = git.read_file(self.repo, head, config.annotations_file)
            else:
                text = self._annotations_text
        except ConfigError as error:
            self._fingerprint = fingerprint
            return self._fail(error, first)
        except GTOError as error:
            # Git failed (a repository being repacked, a disk error): keep serving what we have,
            # and leave the fingerprint unset so that the next check tries again.
            logger.warning("Refresh failed, keeping generation %d: %s", self.generation, error)
            self._fingerprint = None
            return None
        document, warnings = api.head_annotations(config, text)
        old = self._registry
        if old is None or self._error is not None:
            state = compute_state(records.values(), document.entries)
            changed = set(state.artifacts) | (set(old.state.artifacts) if old else set())
        else:
            update = update_state(old.state, self._records, records, document.entries)
            state = update.state
            changed = set(update.artifacts)
            if config != self._config or warnings != old.warnings:
                changed |= set(state.artifacts) | set(old.state.artifacts)
        registry = api.Registry(self.repo, config, state, document, warnings, self.environ)
        differs = bool(changed) or self._error is not None or _problems(old) != state.problems
        self._ids, self._records, self._head, self._annotations_text = ids, records, head, text
        self._config, self._registry, self._error, self._fingerprint = config, registry, None, fingerprint
        if first or not differs:
            return None
        self.generation += 1
        return Change(self.generation, tuple(sorted(changed)))

    def _read_records(self, ids: dict[str, str]) -> dict[str, TagRecord]:
        """The records of every tag, reading only those whose object id is new."""
        if ids == self._ids:
            return self._records
        old_ids = self._ids
        changed = [name for name, oid in ids.items() if old_ids.get(name) != oid]
        gone = self._records.keys() - ids.keys()
        records = dict(self._records)
        for name in (*changed, *gone):
            records.pop(name, None)
        for record in git.read_tags(self.repo, changed):
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


def _problems(registry: api.Registry | None) -> tuple[TagProblem, ...]:
    return registry.state.problems if registry is not None else ()

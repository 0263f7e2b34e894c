"""The one door to git: every git process gto starts is started here, through ``_spawn``.

Small verb functions (``list_tags``, ``read_files``, ``create_tag`` …) run git and hand back
plain values (``str``, ``TagRecord``, ``RepoPaths``); no other module runs git or imports
GitPython. Reads are bulk operations with a constant number of processes whatever the number
of tags: ``list_tags`` is one ``git show-ref`` (or ``for-each-ref``) piped into one ``git
cat-file --batch`` (plus one ``git cat-file`` only when tags point at tags), ``read_files`` is
one ``git cat-file --batch``. ``process_count()`` lets tests hold the module to that.

What it must not do: import GitPython or anything heavy at import time (the thin CLI imports
this module), change ``os.environ`` (overrides such as the tagger go into the environment of
one child process), let ``CalledProcessError`` or a multi-line git message escape (failures
become one-line ``GitError`` subclasses), or know anything about the GTO tag grammar.

Every child runs with ``LC_ALL=C`` (so git's messages can be recognised), without a terminal
prompt or a pager, and without the variables that point git at another repository
(``GIT_DIR`` and friends, set for example inside git hooks): gto addresses a repository by
the path ``find_repo`` resolved, never by whatever a parent process left in the environment.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING

from gto.errors import GitError, NotARepositoryError, PushError, RefNotFoundError, TagExistsError
from gto.tags import TagRecord

if TYPE_CHECKING:
    # Imported where git runs: ``subprocess`` costs more to import than this whole module,
    # and a client answered by the daemon never starts git.
    import subprocess

__all__ = [
    "CommitInfo",
    "RepoPaths",
    "committer_identity",
    "create_tag",
    "delete_tags",
    "find_repo",
    "head_commit",
    "list_tag_ids",
    "list_tags",
    "process_count",
    "push_tags",
    "read_commits",
    "read_file",
    "read_files",
    "read_tags_by_id",
    "resolve_commit",
    "tag_names",
]


@dataclass(frozen=True, slots=True)
class RepoPaths:
    """Where a repository lives, all absolute.

    ``git_dir`` is this work tree's own git directory (``.git/worktrees/NAME`` in a linked
    worktree); ``common_dir`` holds what all worktrees share: refs, ``packed-refs``, objects.
    """

    work_tree: Path
    git_dir: Path
    common_dir: Path


# ---------------------------------------------------------------------------------------------
# Running git


_process_lock = threading.Lock()
_processes_started = 0

# Variables that would make git look at another repository than the one given with -C.
_REPOSITORY_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_PREFIX")
_CHILD_SETTINGS = {"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "PAGER": "cat"}


def process_count() -> int:
    """How many git processes this module has started since it was imported."""
    return _processes_started


# The environment git processes inherit: this process's, unless a caller answers for another
# process (the daemon running a client's command line) and lends that process's environment,
# so that its git identity, dates and config apply exactly as if it had run git itself.
_BASE_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("gto_git_environment", default=None)


@contextmanager
def environment(environ: Mapping[str, str]) -> Generator[None, None, None]:
    """Run the git processes started inside this block (in this context) with ``environ``."""
    token = _BASE_ENVIRONMENT.set(dict(environ))
    try:
        yield
    finally:
        _BASE_ENVIRONMENT.reset(token)


def _child_env(overrides: Mapping[str, str] | None) -> dict[str, str]:
    base = _BASE_ENVIRONMENT.get()
    env = dict(os.environ if base is None else base)
    for name in _REPOSITORY_VARIABLES:
        env.pop(name, None)
    env.update(_CHILD_SETTINGS)
    if overrides:
        env.update(overrides)
    return env


def _spawn(
    directory: Path,
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    feed: bool = False,
    stdin: IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``git -C directory args``: the only place in gto where a git process starts.

    Its stdin is a pipe when ``feed`` is true, ``stdin`` when given (another process's output),
    else empty; stdout and stderr are pipes.
    """
    import subprocess

    global _processes_started
    try:
        process = subprocess.Popen(
            ["git", "-C", os.fspath(directory), *args],
            stdin=stdin if stdin is not None else subprocess.PIPE if feed else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_child_env(env),
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    except OSError as error:
        raise GitError(f"Cannot run git: {error.strerror or error}") from None
    with _process_lock:
        _processes_started += 1
    return process


class _Completed:
    """What a finished git process left behind (a plain class: cheaper to define than a dataclass)."""

    __slots__ = ("returncode", "stdout", "stderr")

    def __init__(self, returncode: int, stdout: bytes, stderr: bytes) -> None:
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _run(
    directory: Path, args: Sequence[str], *, input: bytes | None = None, env: Mapping[str, str] | None = None
) -> _Completed:
    """Run git to completion, feeding ``input`` and collecting both outputs without deadlock."""
    process = _spawn(directory, args, env=env, feed=input is not None)
    with process:
        try:
            stdout, stderr = process.communicate(input)
        except BaseException:
            process.kill()
            raise
    return _Completed(process.returncode, stdout, stderr)


def _summary(stderr: bytes) -> str:
    """Git's complaint in one line: its ``fatal:``/``error:`` lines, without hints."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line and not line.startswith("hint:")]
    serious = [line for line in lines if line.startswith(("fatal:", "error:"))]
    chosen = [line.partition(":")[2].strip() for line in serious] or lines
    return "; ".join(chosen) or "git failed without saying why"


def _identity_error(stderr: bytes) -> GitError | None:
    """The error for a missing committer identity, if that is what git complained about."""
    text = stderr.decode("utf-8", "replace")
    if "tell me who you are" not in text and "ident" not in text:
        return None
    return GitError(
        f"Git does not know who you are ({_summary(stderr)}): set it with"
        ' git config user.name "Your Name" and git config user.email you@example.com,'
        " or give an author and author e-mail"
    )


# ---------------------------------------------------------------------------------------------
# The repository


def find_repo(path: str | Path = ".") -> RepoPaths:
    """The repository whose work tree contains ``path`` (any directory inside it).

    Raises ``NotARepositoryError`` when ``path`` does not exist, is not inside a git work tree,
    or git refuses it (for example a repository owned by another user).
    """
    directory = Path(path)
    if not directory.is_dir():
        raise NotARepositoryError(f"'{path}' is not a git repository")
    result = _run(directory, ["rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-common-dir"])
    if not result.ok:
        message = _summary(result.stderr)
        if "not a git repository" in message:
            raise NotARepositoryError(f"'{path}' is not a git repository")
        if "must be run in a work tree" in message:
            raise NotARepositoryError(f"'{path}' is not inside a git work tree")
        raise NotARepositoryError(f"'{path}' is not a usable git repository: {message}")
    lines = os.fsdecode(result.stdout).split("\n")
    # --git-common-dir may be relative to the directory git ran in; git resolved that one
    # with getcwd(), so resolve it against the real path of the directory too.
    common_dir = (directory.resolve() / lines[2]).resolve()
    return RepoPaths(work_tree=Path(lines[0]), git_dir=Path(lines[1]), common_dir=common_dir)


def head_commit(repo: RepoPaths) -> str | None:
    """The commit HEAD points to, or None in a repository without commits."""
    result = _run(repo.work_tree, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
    if result.ok:
        return result.stdout.decode("ascii").strip()
    if not result.stderr.strip():
        return None
    raise GitError(f"Cannot read HEAD: {_summary(result.stderr)}")


def resolve_commit(repo: RepoPaths, ref: str) -> str:
    """The full hexsha of the commit ``ref`` names, peeling tags (and chains of tags).

    Raises ``RefNotFoundError`` when ``ref`` names nothing or something that is not a commit.
    """
    # A leading "-" would be read as an option; no revision starts with one.
    if ref and not ref.startswith("-") and "\0" not in ref:
        result = _run(repo.work_tree, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"])
        if result.ok:
            return result.stdout.decode("ascii").strip()
    raise RefNotFoundError(f"Ref '{ref}' does not resolve to a commit")


def committer_identity(repo: RepoPaths) -> tuple[str, str]:
    """Git's committer name and e-mail for this repository (what a new tag's tagger would be)."""
    result = _run(repo.work_tree, ["var", "GIT_COMMITTER_IDENT"])
    if not result.ok:
        raise _identity_error(result.stderr) or GitError(
            f"Cannot read the committer identity: {_summary(result.stderr)}"
        )
    # The line is "Name <email> epoch offset"; git removes "<" and ">" from names and e-mails.
    ident = result.stdout.decode("utf-8", "replace").rstrip("\n")
    opening = ident.rfind("<")
    closing = ident.find(">", opening)
    if opening < 0 or closing < 0:
        raise GitError(f"Cannot parse the committer identity '{ident}'")
    return ident[:opening].rstrip(" "), ident[opening + 1 : closing]


# ---------------------------------------------------------------------------------------------
# Reading tags
#
# ``list_tags`` runs two processes joined by a pipe. A lister writes each tag's object id and
# ref name, reading no object, and ``cat-file --batch`` reads those objects in that order (by
# name) and writes each one as a header line, its bytes and a newline:
#
#     <object id> <type> <size> refs/tags/<tag name>\n<size bytes>\n
#
# (the ref name is the rest of cat-file's input line, echoed). The lister is ``show-ref --tags``,
# which writes each ref as it walks them, in name order; ``for-each-ref`` (which gathers and
# sorts every ref before it writes one) when patterns select the tags, or when show-ref stops at
# a tag naming a missing object. A ``for-each-ref`` that prints object fields would read and
# sort every object before it prints the first one; this pipeline starts writing at once, so
# the reader parses, and builds state, while git still reads objects.
# Every object is framed by its size, so no message can break the framing; an object that
# disappeared meanwhile reads "<object id> missing" and is left out.
#
# Records are what ``for-each-ref`` would say of the tag (``_object_fields``, which a test holds
# to it on odd objects): a tag object on a commit in git's own shape (object, type, tag and
# tagger lines, no NUL) is read with one pattern, any other one field by field. The output is decoded as Latin-1,
# one character per byte, so that sizes count characters; the few fields that are not ASCII are
# decoded again as UTF-8, where bad bytes read as U+FFFD and never crash. A tag whose target is
# another tag starts a chain; all chains are peeled at the end by one ``git cat-file
# --batch-check`` with "<oid>^{}".

_TAGS_PREFIX_LENGTH = len("refs/tags/")
_CHUNK_SIZE = 1 << 20
# Up to this many bytes of objects wait in the pipe for the reader: git keeps reading objects
# while the reader builds what it read (Linux caps a pipe at 1 MiB unless told otherwise).
_PIPE_SIZE = 1 << 20
_LISTING_FORMAT = "--format=%(objectname) %(refname)"
_BATCH_FORMAT = "--batch=%(objectname) %(objecttype) %(objectsize) %(rest)"
# A tag object as git writes it for a commit: its object, type, tag and tagger lines, then the
# message (its leading blank lines are not part of it). Tags on other objects are rare enough
# to be read field by field.
_TAG_OBJECT = re.compile(
    r"object ([0-9a-f]{40}|[0-9a-f]{64})\ntype commit\ntag [^\n]*\n"
    r"tagger ([^<>\n]*) <([^<>\n]*)> (\d+) ([+-]\d{4})\n\n\n*"
)


class _TagReader:
    """Turns cat-file's output (see above), fed in chunks of any size, into ``TagRecord`` values."""

    def __init__(self, ids: dict[str, str] | None = None) -> None:
        self.records: list[TagRecord] = []
        # Each record's tagger date in seconds since the epoch (None where ``created_at`` is), as
        # read: the state orders tags by it, and a datetime gives it back at some cost.
        self.times: list[int | None] = []
        # When given, filled with each listed tag's name and the id of the object its ref names.
        self.ids = ids
        # Index in ``records`` -> id of a tag object that points at another tag object.
        self.chains: dict[int, str] = {}
        # Bytes of objects not complete yet, and how many bytes complete the first of them.
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._needed = 0

    def feed(self, chunk: bytes) -> None:
        self._pending.append(chunk)
        self._pending_size += len(chunk)
        if self._pending_size < self._needed:
            return  # a large object still arriving: join its chunks once, when it is whole
        data = b"".join(self._pending).decode("latin-1")
        position, self._needed = self._read(data)
        rest = data[position:].encode("latin-1")
        self._pending = [rest] if rest else []
        self._pending_size = len(rest)

    def finish(self) -> None:
        if self._pending_size:
            raise ValueError("the output ends inside an object")

    def _read(self, data: str) -> tuple[int, int]:
        """Read the whole objects in ``data``: where the rest starts, and how long its first object is.

        This loop runs once per tag (100,000 times on big registries), hence its plain style.
        """
        records = self.records
        times = self.times
        ids = self.ids
        zones = _TIMEZONES
        from_timestamp = datetime.fromtimestamp
        # A named tuple's constructor is a Python function; ``tuple.__new__`` makes the same value
        # at half the cost.
        new = tuple.__new__
        match = _TAG_OBJECT.match
        length = len(data)
        # Objects holding a NUL are read field by field (as for-each-ref cuts there): looked for
        # in each object only when there is one at all.
        nul = "\0" in data
        position = 0
        while True:
            line_end = data.find("\n", position)
            if line_end < 0:
                return position, 0
            header = data[position:line_end].split(" ", 3)
            if len(header) != 4:
                if len(header) == 2 and header[1] == "missing":
                    position = line_end + 1
                    continue
                raise ValueError(f"unexpected line {data[position:line_end]!r}")
            oid, kind, size, name = header
            start = line_end + 1
            end = start + int(size)
            if end >= length:
                return position, end + 1 - position
            if data[end] != "\n":
                raise ValueError("an object does not end where its size says")
            position = end + 1
            name = name[_TAGS_PREFIX_LENGTH:]  # every lister writes whole ref names
            if not name.isascii():
                name = _utf8(name)
            if ids is not None:
                ids[name] = oid
            if kind != "tag":
                records.append(TagRecord(name, False, oid if kind == "commit" else None))
                times.append(None)
                continue
            found = match(data, start, end)
            if found is None or (nul and data.find("\0", start, end) >= 0):
                self.add(_object_fields(name, oid, b"tag", data[start:end].encode("latin-1")))
                continue
            target, tagger, email, epoch, offset = found.groups()
            body = found.end()  # the message, without the one line break git ends it with
            message = data[body : end - 1] if end > body and data[end - 1] == "\n" else data[body:end]
            seconds = int(epoch)
            try:
                created: datetime | None = from_timestamp(seconds, zones.get(offset) or _zone(offset))
            except (ValueError, OverflowError, OSError):
                created = None  # a date git itself could not have written
            records.append(
                new(
                    TagRecord,
                    (
                        name,
                        True,
                        target,
                        tagger if tagger.isascii() else _utf8(tagger),
                        email if email.isascii() else _utf8(email),
                        created,
                        message if message.isascii() else _utf8(message),
                    ),
                )
            )
            times.append(seconds if created is not None else None)

    def add(self, fields: list[str]) -> None:
        """Add the record of one tag from its ``for-each-ref`` fields (``_object_fields``)."""
        _, ref, kind, oid, target_kind, target, tagger, email, date, contents = fields
        name = ref[_TAGS_PREFIX_LENGTH:]
        if not name.isascii():
            name = _clean(name)
        if kind != "tag":
            self.records.append(TagRecord(name, False, oid if kind == "commit" else None))
            self.times.append(None)
            return
        if target_kind == "tag":
            self.chains[len(self.records)] = oid
        if contents.endswith("\n"):
            contents = contents[:-1]
        if email.startswith("<") and email.endswith(">"):
            email = email[1:-1]
        epoch, _, offset = date.partition(" ")
        seconds: int | None = None
        try:
            seconds = int(epoch)
            created: datetime | None = datetime.fromtimestamp(seconds, _TIMEZONES.get(offset) or _zone(offset))
        except (ValueError, OverflowError, OSError):
            created = seconds = None  # no tagger line, or a date git itself could not have written
        self.records.append(
            TagRecord(
                name,
                True,
                target if target_kind == "commit" else None,
                tagger if tagger.isascii() else _clean(tagger),
                email if email.isascii() else _clean(email),
                created,
                contents if contents.isascii() else _clean(contents),
            )
        )
        self.times.append(seconds)


def _utf8(text: str) -> str:
    """Text decoded as Latin-1, decoded again as UTF-8 (bad bytes read as U+FFFD)."""
    return text.encode("latin-1").decode("utf-8", "replace")


def _clean(text: str) -> str:
    """Replace the bytes that ``surrogateescape`` kept (invalid UTF-8) with U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


_TIMEZONES: dict[str, timezone] = {"+0000": UTC, "-0000": UTC}


def _zone(offset: str) -> timezone:
    """The fixed-offset zone for "+hhmm" / "-hhmm", remembered for the next tag."""
    if len(offset) != 5 or offset[0] not in "+-" or not offset[1:].isdigit():
        raise ValueError(f"bad offset {offset!r}")
    minutes = int(offset[1:3]) * 60 + int(offset[3:5])
    zone = _TIMEZONES[offset] = timezone(timedelta(minutes=-minutes if offset[0] == "-" else minutes))
    return zone


def list_tags(
    repo: RepoPaths,
    patterns: Sequence[str] = (),
    *,
    ids: dict[str, str] | None = None,
    on_batch: Callable[[list[TagRecord], list[int | None]], None] | None = None,
) -> list[TagRecord]:
    """Every tag under ``refs/tags`` with what git says about it, sorted by name.

    Two processes joined by a pipe (see above), whose output is parsed while git is still
    writing it; one more only when some tag points at another tag. A tag pointing at a missing
    object is left out (``tag_names`` still lists it).

    ``patterns`` limits the listing to the tags whose names match one of them, as git matches
    ref patterns (``churn@*``; ``*`` stops at ``/``, ``**`` does not): git then reads only the
    matching tags' objects, which makes reading one artifact's tags cheap in any registry.

    ``ids``, when given, receives each listed tag's name and the id of the object its ref
    names (what ``list_tag_ids`` gives, tags on missing objects left out), read in the same pass.

    ``on_batch``, when given, is called with each batch of records as soon as they are read,
    in git's order (by name), so that the caller works on them while git reads the next ones
    (``gto.state.StateBuilder``), and with their tagger dates in seconds since the epoch (None
    where ``created_at`` is None). The list returned is what counts: when tags on tags are
    peeled at the end, or the listing had to start over, it is not made of the very records
    the batches held.
    """
    if not patterns:
        # show-ref writes each ref as it goes where for-each-ref sorts them all first (80 ms
        # at 100,000 tags before the first one); but it stops at a tag naming a missing object.
        listed = _list_tags(repo, ["show-ref", "--tags"], ids, on_batch)
        if listed is not None:
            return listed
        if ids is not None:
            ids.clear()
    refs = [f"refs/tags/{pattern}" for pattern in patterns] or ["refs/tags"]
    listed = _list_tags(repo, ["for-each-ref", _LISTING_FORMAT, *refs], ids, on_batch)
    assert listed is not None
    return listed


def _list_tags(
    repo: RepoPaths,
    listing: list[str],
    ids: dict[str, str] | None,
    on_batch: Callable[[list[TagRecord], list[int | None]], None] | None,
) -> list[TagRecord] | None:
    """``list_tags`` with a lister that writes "<object id> refs/tags/<name>" lines; None when
    ``show-ref`` failed (for-each-ref is then asked)."""
    reader = _TagReader(ids)
    lister = _spawn(repo.work_tree, listing)
    with lister:
        try:
            objects = _spawn(repo.work_tree, ["cat-file", "--buffer", _BATCH_FORMAT], stdin=lister.stdout)
        except BaseException:
            lister.kill()
            raise
        assert lister.stdout is not None
        lister.stdout.close()  # cat-file reads it now: it must see the end when the lister ends
        with objects:
            stdout = objects.stdout
            assert stdout is not None
            errors = _drain(lister, objects)
            _widen_pipe(stdout.fileno())
            try:
                for chunk in iter(lambda: os.read(stdout.fileno(), _CHUNK_SIZE), b""):
                    done = len(reader.records)
                    reader.feed(chunk)
                    if on_batch is not None and len(reader.records) > done:
                        on_batch(reader.records[done:], reader.times[done:])
                reader.finish()
            except ValueError as error:
                _kill(lister, objects)
                raise GitError(f"Unexpected output from git cat-file: {error}") from None
            except BaseException:
                _kill(lister, objects)
                raise
            finally:
                for drain in errors.values():
                    drain.join()
            objects.wait()
        lister.wait()
    if listing[0] == "show-ref" and lister.returncode != 0:
        # It exits with 1 when there is no tag at all.
        return [] if lister.returncode == 1 and not reader.records and objects.returncode == 0 else None
    for process, name in ((lister, "list tags"), (objects, "read tags")):
        if process.returncode != 0:
            raise GitError(f"Cannot {name}: {_summary(errors[process].result)}")
    return _peel_chains(repo, reader)


class _Drain(threading.Thread):
    """Reads a process's stderr aside, so that a chatty git never blocks on a full pipe."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        super().__init__(daemon=True)
        self._stream = process.stderr
        self.result = b""

    def run(self) -> None:
        assert self._stream is not None
        self.result = self._stream.read()


def _drain(*processes: subprocess.Popen[bytes]) -> dict[subprocess.Popen[bytes], _Drain]:
    drains = {process: _Drain(process) for process in processes}
    for drain in drains.values():
        drain.start()
    return drains


def _kill(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        process.kill()


def _widen_pipe(descriptor: int) -> None:
    """Let git write up to ``_PIPE_SIZE`` ahead of the reader (where the system allows it)."""
    import fcntl

    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)


def _peel_chains(repo: RepoPaths, reader: _TagReader) -> list[TagRecord]:
    """Give tags on tags the commit at the end of their chain, with one batch process."""
    records = reader.records
    if not reader.chains:
        return records
    request = "".join(f"{oid}^{{}}\n" for oid in reader.chains.values()).encode("ascii")
    result = _run(repo.work_tree, ["cat-file", "--batch-check"], input=request)
    if not result.ok:
        raise GitError(f"Cannot peel tags: {_summary(result.stderr)}")
    answers = result.stdout.decode("utf-8", "replace").splitlines()
    if len(answers) != len(reader.chains):
        raise GitError("Unexpected output from git cat-file")
    for index, answer in zip(reader.chains, answers, strict=True):
        oid, _, rest = answer.partition(" ")
        if rest.startswith("commit "):
            records[index] = records[index]._replace(commit=oid)
    return records


def list_tag_ids(repo: RepoPaths) -> dict[str, str]:
    """Every tag's name and the id of the object its ref points to; reads no object.

    One ``git for-each-ref`` that only lists refs: several times cheaper than ``list_tags``, so a
    long-running reader can tell which tags changed (a tag's record is fixed by its object id)
    and read only those with ``read_tags_by_id``.
    """
    result = _run(repo.work_tree, ["for-each-ref", "--format=%(refname:lstrip=2) %(objectname)", "refs/tags"])
    if not result.ok:
        raise GitError(f"Cannot list tags: {_summary(result.stderr)}")
    # Ref names contain no whitespace, so one split gives name, id, name, id... (at C speed:
    # this runs on every refresh of a daemon following 100,000 tags).
    words = result.stdout.decode("utf-8", "replace").split()
    return dict(zip(words[0::2], words[1::2], strict=True))


def read_tags_by_id(repo: RepoPaths, ids: Mapping[str, str]) -> list[TagRecord]:
    """The records of the tags in ``ids`` (name -> id of the object the ref names), as ``list_tags`` reads them.

    One ``git cat-file --batch`` reads the objects by id (plus one ``--batch-check`` when tags
    point at tags). Unlike ``for-each-ref`` given names, which reads every loose ref of the
    repository first (seconds with 100,000 of them), it costs the same for one tag among any
    number. Tags whose object is missing are left out, as ``list_tags`` leaves them out.
    """
    names = list(ids)
    if not names:
        return []
    objects = _read_objects(repo, [ids[name] for name in names])
    reader = _TagReader()
    for name, found in zip(names, objects, strict=True):
        if found is not None:
            reader.add(_object_fields(name, ids[name], *found))
    return _peel_chains(repo, reader)


def _object_fields(name: str, oid: str, kind: bytes, raw: bytes) -> list[str]:
    """The for-each-ref fields of ``_TAG_FORMAT`` for one object, computed as git computes them.

    Git reads a tag object as a C string (up to a NUL); its header ends at the first empty line
    and the message starts after any further empty lines; the tagger's name is what precedes
    " <", the e-mail what "<" and ">" enclose, and the raw date is normalised to
    "<epoch> <+hhmm>" (empty when the line has no ">").
    """

    def text(value: bytes) -> str:
        return value.decode("utf-8", "surrogateescape")

    ref = f"refs/tags/{name}"
    if kind != b"tag":
        return ["", ref, text(kind), oid, "", "", "", "", "", ""]
    raw = raw.partition(b"\0")[0]
    end = raw.find(b"\n\n")
    header = raw if end < 0 else raw[: end + 1]
    message = b"" if end < 0 else raw[end + 1 :].lstrip(b"\n")
    target = target_kind = tagger = b""
    for line in header.split(b"\n"):
        word, _, value = line.partition(b" ")
        if word == b"object" and not target:
            target = value
        elif word == b"type" and not target_kind:
            target_kind = value
        elif word == b"tagger":
            tagger = value
            break
    name_end = tagger.find(b" <")
    opening = tagger.find(b"<")
    closing = tagger.find(b">", opening) if opening >= 0 else -1
    email = tagger[opening : closing + 1] if closing >= 0 else b""
    return [
        str(len(message)),
        ref,
        "tag",
        oid,
        text(target_kind),
        text(target),
        text(tagger[:name_end]) if name_end >= 0 else "",
        text(email),
        _raw_date(tagger),
        text(message),
    ]


_DATE = re.compile(rb"\s*\+?(\d*)\s*([+-]?\d*)")


def _raw_date(ident: bytes) -> str:
    """``%(taggerdate:raw)`` of an ident line: what follows the e-mail, read as git reads it."""
    closing = ident.find(b">")
    if closing < 0 or closing + 1 == len(ident):
        return ""
    match = _DATE.match(ident, closing + 2)
    if match is None:
        return ""
    epoch = int(match.group(1) or b"0")
    offset = int(match.group(2)) if match.group(2) not in (b"", b"+", b"-") else 0
    return f"{epoch} {offset:+05d}"


def tag_names(repo: RepoPaths) -> set[str]:
    """The names of all tags, lightweight and broken ones included; reads no object."""
    result = _run(repo.work_tree, ["for-each-ref", "--format=%(refname)", "refs/tags"])
    if not result.ok:
        raise GitError(f"Cannot list tags: {_summary(result.stderr)}")
    text = result.stdout.decode("utf-8", "replace")
    return {line[_TAGS_PREFIX_LENGTH:] for line in text.split("\n") if line}


# ---------------------------------------------------------------------------------------------
# Reading files and commits


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """What a commit event needs to know about a commit (as GTO reads it).

    ``created_at`` is the committer date with its own UTC offset; ``author`` and
    ``author_email`` are the commit's author; ``message`` loses one trailing newline.
    """

    author: str
    author_email: str
    created_at: datetime | None
    message: str


def read_files(repo: RepoPaths, requests: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """The text of each ``(rev, path)``, or None where the revision or the file does not exist.

    One ``git cat-file --batch`` process answers every request. ``path`` is relative to the
    repository root. Bytes that are not UTF-8 become U+FFFD. A path that is a directory
    reads as None.
    """
    answers: dict[tuple[str, str], str | None] = {}
    asked: list[tuple[str, str]] = []
    for rev, path in dict.fromkeys(requests):
        # "rev:path" goes on one input line, and an empty rev would read the index instead.
        if not rev or not path or "\n" in rev + path or "\0" in rev + path:
            answers[(rev, path)] = None
        else:
            asked.append((rev, path))
    objects = _read_objects(repo, [f"{rev}:{path}" for rev, path in asked])
    for key, found in zip(asked, objects, strict=True):
        answers[key] = found[1].decode("utf-8", "replace") if found and found[0] == b"blob" else None
    return answers


def read_file(repo: RepoPaths, rev: str, path: str) -> str | None:
    """The text of ``path`` at ``rev``, or None when either does not exist."""
    return read_files(repo, [(rev, path)])[(rev, path)]


def read_commits(repo: RepoPaths, revs: Iterable[str]) -> dict[str, CommitInfo]:
    """Author, date and message of each commit named in ``revs``, with one process.

    Keys are the given revisions; revisions that name no commit are left out.
    """
    asked = [rev for rev in dict.fromkeys(revs) if rev and not rev.startswith("-") and "\n" not in rev]
    objects = _read_objects(repo, [f"{rev}^{{commit}}" for rev in asked])
    return {rev: _parse_commit(found[1]) for rev, found in zip(asked, objects, strict=True) if found}


def _parse_commit(raw: bytes) -> CommitInfo:
    header, _, body = raw.partition(b"\n\n")
    author = (b"", b"")
    created_at = None
    for line in header.split(b"\n"):
        if line.startswith(b"author "):
            name, email, _ = _split_ident(line[7:])
            author = (name, email)
        elif line.startswith(b"committer "):
            created_at = _parse_date(_split_ident(line[10:])[2])
    message = body.decode("utf-8", "replace")
    if message.endswith("\n"):
        message = message[:-1]
    return CommitInfo(author[0].decode("utf-8", "replace"), author[1].decode("utf-8", "replace"), created_at, message)


def _split_ident(ident: bytes) -> tuple[bytes, bytes, bytes]:
    """Split "Name <email> epoch offset" into its name, e-mail and date."""
    opening = ident.find(b"<")
    closing = ident.find(b">", opening)
    if opening < 0 or closing < 0:
        return ident.strip(), b"", b""
    return ident[:opening].strip(), ident[opening + 1 : closing], ident[closing + 1 :].strip()


def _parse_date(raw: bytes) -> datetime | None:
    """Turn a raw git date ("1700000000 +0130") into an aware datetime at that offset."""
    epoch, _, offset = raw.decode("ascii", "replace").partition(" ")
    try:
        return datetime.fromtimestamp(int(epoch), _TIMEZONES.get(offset) or _zone(offset))
    except (ValueError, OverflowError, OSError):
        return None


def _read_objects(repo: RepoPaths, names: list[str]) -> list[tuple[bytes, bytes] | None]:
    """``(type, content)`` of each object name (one per line, no newline), with one process."""
    if not names:
        return []
    request = "".join(f"{name}\n" for name in names).encode("utf-8", "surrogateescape")
    result = _run(repo.work_tree, ["cat-file", "--batch", "--buffer"], input=request)
    if not result.ok:
        raise GitError(f"Cannot read objects: {_summary(result.stderr)}")
    output = result.stdout
    objects: list[tuple[bytes, bytes] | None] = []
    position = 0
    for _ in names:
        end = output.find(b"\n", position)
        if end < 0:
            raise GitError("Unexpected output from git cat-file")
        header = output[position:end].split(b" ")
        position = end + 1
        # A found object reads "<oid> <type> <size>"; anything else ("<input> missing",
        # "<input> ambiguous") ends with a word, never with a number.
        if len(header) < 3 or not header[-1].isdigit():
            objects.append(None)
            continue
        size = int(header[-1])
        objects.append((header[-2], output[position : position + size]))
        position += size + 1
    if position != len(output):
        raise GitError("Unexpected output from git cat-file")
    return objects


# ---------------------------------------------------------------------------------------------
# Writing tags

# A concurrent writer holds a ref's lock only for a moment: wait for it (git's default is
# 100 ms), so that the loser of a race sees the tag rather than a busy lock.
_LOCK_TIMEOUT = ("-c", "core.filesRefLockTimeout=3000")


def create_tag(
    repo: RepoPaths,
    name: str,
    commit: str,
    message: str,
    *,
    tagger_name: str | None = None,
    tagger_email: str | None = None,
    date: str | None = None,
) -> None:
    """Create the annotated tag ``name`` on ``commit``; never replace an existing tag.

    The tagger is git's committer identity unless overridden; ``date`` is anything git
    accepts in ``GIT_COMMITTER_DATE`` ("1700000000 +0130", ISO 8601). The message is stored
    as given plus one newline, so ``list_tags`` reads it back exactly.

    Raises ``TagExistsError`` when the name is taken, also when a concurrent writer takes it
    between any check and this call (git creates the ref only if it does not exist, under
    a lock), ``RefNotFoundError`` when ``commit`` is not a commit, ``GitError`` otherwise.
    """
    if "\0" in message:
        raise GitError("A tag message cannot contain NUL characters")
    env: dict[str, str] = {}
    if tagger_name is not None:
        env["GIT_COMMITTER_NAME"] = tagger_name
    if tagger_email is not None:
        env["GIT_COMMITTER_EMAIL"] = tagger_email
    if date is not None:
        env["GIT_COMMITTER_DATE"] = date
    args = [
        *_LOCK_TIMEOUT,
        "tag",
        "--annotate",
        "--cleanup=verbatim",
        f"--message={message}\n",
        "--",
        name,
        f"{commit}^{{commit}}",
    ]
    result = _run(repo.work_tree, args, env=env)
    if result.ok:
        return
    text = _summary(result.stderr)
    if "already exists" in text:
        raise TagExistsError(f"Tag '{name}' already exists")
    if ".lock" in text and "File exists" in text:
        # Another writer held the ref's lock for longer than git waits: it has created the
        # tag, or (after a crash) left a stale lock behind, which git's message names.
        if _tag_exists(repo, name):
            raise TagExistsError(f"Tag '{name}' already exists")
        raise GitError(text)
    if "Failed to resolve" in text:
        raise RefNotFoundError(f"Ref '{commit}' does not resolve to a commit")
    raise _identity_error(result.stderr) or GitError(text)


def _tag_exists(repo: RepoPaths, name: str) -> bool:
    return _run(repo.work_tree, ["rev-parse", "--verify", "--quiet", f"refs/tags/{name}"]).ok


def delete_tags(repo: RepoPaths, names: Sequence[str]) -> None:
    """Delete the named tags locally, with one process.

    Raises ``RefNotFoundError`` naming the tags that did not exist (the others are deleted).
    """
    if not names:
        return
    result = _run(repo.work_tree, [*_LOCK_TIMEOUT, "tag", "--delete", "--", *names])
    if result.ok:
        return
    text = result.stderr.decode("utf-8", "replace")
    missing = [name for name in names if f"tag '{name}' not found" in text]
    if missing:
        listed = ", ".join(f"'{name}'" for name in missing)
        raise RefNotFoundError(f"Tag {listed} not found" if len(missing) == 1 else f"Tags {listed} not found")
    raise GitError(f"Cannot delete tags: {_summary(result.stderr)}")


def push_tags(repo: RepoPaths, names: Sequence[str], remote: str = "origin", delete: bool = False) -> None:
    """Push exactly the named tags to ``remote`` (or delete them there), with one ``git push``.

    Nothing else travels: no ``push.followTags`` extras, no submodules. Raises ``PushError``
    with git's reasons in one line; local tags are never touched.
    """
    if not names:
        return
    refspecs = [f":refs/tags/{name}" if delete else f"refs/tags/{name}:refs/tags/{name}" for name in names]
    args = ["push", "--porcelain", "--no-follow-tags", "--recurse-submodules=no", "--", remote, *refspecs]
    result = _run(repo.work_tree, args)
    if result.ok:
        return
    reasons = "; ".join(_rejections(result.stdout)) or _summary(result.stderr)
    raise PushError(f"Pushing to '{remote}' failed: {reasons}")


def _rejections(porcelain: bytes) -> list[str]:
    """The refs ``git push --porcelain`` rejected, as "refs/tags/x [rejected] (already exists)"."""
    rejected = []
    for line in porcelain.decode("utf-8", "replace").splitlines():
        # Each ref reads "<flag>\t<from>:<to>\t<summary>"; the flag "!" marks a rejection.
        flag, _, rest = line.partition("\t")
        if flag == "!":
            spec, _, why = rest.partition("\t")
            rejected.append(f"{spec.rpartition(':')[2]} {why}")
    return rejected

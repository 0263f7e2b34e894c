"""What a daemon leaves for the next daemon of its work tree: the tag ids, records and state it
last computed, so that a restart reads only the tags that moved since (``LiveRegistry.load``).

One file in the daemon's private directory (``<git dir>/gto/registry.snapshot``, mode 0700):
a pickle of a key, then a pickle of the ``Snapshot``. The key names the file format, the
Python version and a digest of the gto modules that read tags and compute state; a snapshot
made by other code is ignored, and so is a file that does not read back whole. A snapshot is a
cache and never an authority: each record is valid for the object id it was read from (objects
never change), the caller compares those ids with the refs of now and brings the state up to
date with ``gto.state.update_state``, exactly as after a refresh. Losing it costs a full read.

Unpickling runs code, so a snapshot is read only from a file that this user owns in a directory
only this user can write (the daemon's, checked by ``gto.server.location``); anyone who can
write there can already change the repository's hooks.

What it must not do: raise (a snapshot that cannot be read or written is logged, and the daemon
reads everything as if there were none), decide what is current, or run git.
"""

from __future__ import annotations

import copyreg
import hashlib
import importlib
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gto.annotations import AnnotationsDocument
from gto.state import Event, RegistryState, StageAssignment, VersionState
from gto.tags import TagRecord

logger = logging.getLogger(__name__)

# The modules whose code decides what a record or a state holds.
_STATE_CODE = ("gto.git", "gto.tags", "gto.versions", "gto.annotations", "gto.state", __name__)
# Incremented when what a snapshot holds changes shape in a way the code digest would not show.
FORMAT = 1


def _as_tuple(value: tuple[Any, ...]) -> tuple[Any, ...]:
    # A named tuple is pickled as a call to its generated __new__, a Python function; a state
    # holds a quarter million of them, so they are rebuilt by tuple.__new__ itself instead.
    return tuple.__new__, (type(value), tuple(value))


# How the snapshot's pickler writes the values that come by the hundred thousand.
_DISPATCH = {**copyreg.dispatch_table, **dict.fromkeys((TagRecord, Event, VersionState, StageAssignment), _as_tuple)}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Where every tag ref pointed (``ids``), the records read from those objects, the state
    computed from the records and the annotations of that time, and those annotations as
    parsed, with what they were parsed from: the text at HEAD and the config (as its ``repr``,
    which names every value; a config that prints differently only costs a parse)."""

    ids: Mapping[str, str]
    records: Mapping[str, TagRecord]
    state: RegistryState
    annotations_key: tuple[str | None, str]
    annotations: tuple[AnnotationsDocument, tuple[str, ...]]


def key() -> tuple[int, tuple[int, int], str]:
    """What a snapshot must have been written with to be read: format, Python, gto's state code."""
    digest = hashlib.sha256()
    for name in _STATE_CODE:
        digest.update(Path(importlib.import_module(name).__file__ or "").read_bytes())
    return FORMAT, (sys.version_info.major, sys.version_info.minor), digest.hexdigest()


def read(path: Path) -> Snapshot | None:
    """The snapshot at ``path``, or None when there is none that this code may use."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as error:
        logger.warning("Cannot read the snapshot %s: %s", path, error)
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
        logger.warning("Ignoring the snapshot %s: not a file of this user", path)
        return None
    try:
        with path.open("rb") as handle:
            if pickle.load(handle) != key():
                logger.info("Ignoring the snapshot %s: written by other code", path)
                return None
            found = pickle.load(handle)
    except Exception as error:  # a damaged file may fail in any way while it is read back
        logger.warning("Ignoring the snapshot %s: %s: %s", path, type(error).__name__, error)
        return None
    if not isinstance(found, Snapshot):
        logger.warning("Ignoring the snapshot %s: it holds no snapshot", path)
        return None
    return found


def write(path: Path, snapshot: Snapshot) -> bool:
    """Replace the snapshot at ``path`` in one rename; False (logged) when it could not be written."""
    temporary: str | None = None
    prefix = f".{path.name}."
    try:
        # One daemon per work tree writes here: a temporary file left is one a killed daemon
        # did not finish.
        for left in path.parent.glob(f"{prefix}*"):
            left.unlink(missing_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=prefix, dir=path.parent)
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump(key(), handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = _DISPATCH
            pickler.dump(snapshot)
        os.replace(temporary, path)
    except Exception as error:  # a full disk or a removed directory must not fail a daemon's stop
        logger.warning("Cannot write the snapshot %s: %s: %s", path, type(error).__name__, error)
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
        return False
    return True

"""Pausing Python's cyclic garbage collector while a registry is read and built.

Reading allocates a few objects per tag, all of them kept: with 100,000 tags the collector would
scan the growing heap again and again for cycles there are none of, a third of the time of the
whole read. Nothing here knows about registries; it must stay cheap to import, since the command
line pauses the collector before it imports the registry code.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(*, promote: bool = True) -> Iterator[None]:
    """Pause the collector for the block; collection resumes afterwards unless something else had paused it.

    What the block allocated is still in the youngest generation when it ends, so the first
    collection after it would scan all of it (20 ms after reading 10,000 tags). Objects that
    survive that long belong in the oldest generation, so they are moved there at once: freezing
    and unfreezing moves every tracked object to the oldest generation without scanning any. It
    is skipped when something else froze objects, which unfreezing would release, and when
    ``promote`` is false: a process that froze a big heap itself (the daemon, after its first
    load) need not pay for counting the frozen objects, which ``gc.get_freeze_count`` does one by one.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            if promote and gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()

"""Registry states for the editing tests, computed from tag records without git."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from gto.annotations import Annotation
from gto.state import RegistryState, compute_state
from gto.tags import TagRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)
C1 = "1" * 40
C2 = "2" * 40
C3 = "3" * 40


def record(name: str, commit: str, minute: int, annotated: bool = True) -> TagRecord:
    if not annotated:
        return TagRecord(name, False, commit)
    return TagRecord(name, True, commit, "Alice", "alice@example.com", T0 + timedelta(minutes=minute), f"about {name}")


def registry_state(annotations: Mapping[str, Annotation] | None = None) -> RegistryState:
    """rf: v1.2.3 at C1 in prod, v1.2.4 at C2 in staging; nn: only a stage on C3 (no version);
    seg: registered then deprecated; ds: two versions and a lightweight tag; old: deregistered only.
    """
    records = [
        record("rf@v1.2.3", C1, 1),
        record("rf@v1.2.4", C2, 2),
        record("rf#prod#1", C1, 3),
        record("rf#staging#2", C2, 4),
        record("nn#dev#1", C3, 5),
        record("seg@v0.1.0", C1, 6),
        record("seg@deprecated", C1, 7),
        record("ds@v1.0.0", C1, 8),
        record("ds@v1.1.0", C2, 9, annotated=False),
    ]
    return compute_state(records, annotations or {})

"""What a rebuild works on: the read models chosen by name, the errors that refuse a rebuild, and its limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from app.config.settings import Settings
from app.read.projector import Projector, track
from app.read.store import ReadStore
from app.write.ledger import Ledger
from projections.base import Projection

DEFAULT_BATCH = 5000


PARALLEL_FROM = 20_000
"""From this many events on, a rebuild builds in two processes where there are two CPUs: below, starting one
costs more than it saves."""


SWAP_TAIL = 500
"""At most about this many events are left to apply inside the swap's transaction, holding the locks."""


class Sides(Protocol):
    """What a rebuild works on: one process's ledger, read store and projector (a runtime has them)."""

    settings: Settings
    ledger: Ledger
    store: ReadStore
    projector: Projector


class RebuildError(RuntimeError):
    """Raised when a rebuild cannot start or cannot be swapped in; the live read models are untouched."""


class UnknownProjection(RebuildError):
    """Raised for a projection name that names no rebuildable read model."""

    def __init__(self, unknown: Sequence[str], known: Sequence[str]) -> None:
        self.unknown = list(unknown)
        self.known = list(known)
        super().__init__(
            f"no read model named {', '.join(self.unknown)}; the read models are: {', '.join(self.known)}"
        )


def rebuildable(projections: Sequence[Projection]) -> list[Projection]:
    """The projections that own tables, which a rebuild can make anew."""
    return [p for p in projections if p.tables]


def choose(projections: Sequence[Projection], names: Sequence[str] | None) -> list[Projection]:
    """The rebuildable projections named (all of them for None), in their usual order."""
    candidates = rebuildable(projections)
    if not names:
        return candidates
    known = [p.name for p in candidates]
    unknown = [n for n in dict.fromkeys(names) if n not in known]
    if unknown:
        raise UnknownProjection(unknown, known)
    return [p for p in candidates if p.name in names]


def record_positions(sql: Any, schema: str, projections: Sequence[Projection], position: int) -> None:
    """Sets the live positions of the swapped-in read models in `schema`, and forgets their failures (made anew,
    they have applied every event), last thing in the swap's transaction."""
    track(sql, dict.fromkeys((p.name for p in projections), position), f"{schema}.projection_positions")
    for projection in projections:
        sql.execute(f"DELETE FROM {schema}.projection_failures WHERE name = ?", (projection.name,))

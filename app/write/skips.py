"""The ledger's record of a read model moved past an event it cannot apply: a skip is an event of its own."""

from __future__ import annotations

from dataclasses import dataclass

from app.write.unit_of_work import UnitOfWork
from domain.projection import Projection


@dataclass
class Skips:
    work: UnitOfWork

    def skip_event(self, read_model: str, position: int, event_type: str, error: str, reason: str, actor: str) -> int:
        """Records that read model `read_model` moves past the event at `position` (of `event_type`, which raised
        `error`) for `reason`; returns the position that covers the record. A retry records nothing more."""

        def attempt() -> int:
            now = self.work.clock()
            projection = self.work.find(Projection, Projection.create_id(read_model))
            projection = projection or Projection.register(read_model, actor, now)
            projection.skip_event(position, event_type, error, reason, actor, now)
            return self.work.store(projection)

        return self.work.retrying(attempt)

    def skipped_events(self, read_model: str) -> frozenset[int]:
        """The positions operators had read model `read_model` skip."""
        projection = self.work.find(Projection, Projection.create_id(read_model))
        return frozenset() if projection is None else frozenset(projection.skipped)

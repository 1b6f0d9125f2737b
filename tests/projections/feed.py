"""Feeds real domain events into projections on a real, migrated SQLite read store.

Events go through the ledger's own JSON transcoding first, as they do in production, where a
projection only ever sees events decoded from stored records.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)

from app.read.store import ReadStore
from app.write.transcodings import register_value_types
from projections.base import Projection

R = TypeVar("R")


def ledger_mapper() -> Mapper:  # type: ignore[type-arg]
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    transcoder.register(DecimalAsStr())
    register_value_types(transcoder)
    return Mapper(transcoder=transcoder)


class Feed:
    """Numbers events in ledger order and applies each to the projections that read it."""

    def __init__(self, store: ReadStore, *projections: Projection) -> None:
        self.store = store
        self.projections = projections
        self.position = 0
        self.mapper = ledger_mapper()

    def save(self, *aggregates: Any) -> int:
        """Projects the aggregates' pending events in one transaction, as one save would store them."""
        return self.events(*(e for a in aggregates for e in a.collect_events()))

    def events(self, *events: DomainEvent) -> int:
        with self.store.transaction() as sql:
            for event in events:
                self.position += 1
                stored = self.mapper.to_domain_event(self.mapper.to_stored_event(event))
                for projection in self.projections:
                    if isinstance(stored, projection.event_types):
                        projection.apply(stored, self.position, sql)
        return self.position

    def read(self, query: Callable[..., R], *args: Any) -> R:
        with self.store.transaction(write=False) as sql:
            return query(sql, *args)

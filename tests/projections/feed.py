"""Feeds real domain events into projections on a real, migrated SQLite read store.

Events go through the ledger's own JSON transcoding first, and reach the projections through the
projector's own `feed`, as they do in production: a projection only ever sees the stored events
its topics select, decoded.
"""

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    Notification,
    UUIDAsHex,
)

from app.read.projector import Decoder, feed, topics_of
from app.read.store import ReadStore
from app.write.transcodings import register_value_types
from projections.base import Projection

R = TypeVar("R")


def ledger_mapper() -> Mapper[UUID]:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    transcoder.register(DecimalAsStr())
    register_value_types(transcoder)
    return Mapper(transcoder=transcoder)


class Feed:
    """Numbers events in ledger order and applies each to the projections that read it."""

    def __init__(self, store: ReadStore, *projections: Projection, mapper: Mapper[UUID] | None = None) -> None:
        self.store = store
        self.projections = projections
        self.position = 0
        self.mapper = mapper or ledger_mapper()
        self.stored: list[Notification] = []
        """Every event fed, as stored, for a rebuild to feed again."""

    def save(self, *aggregates: Any) -> int:
        """Projects the aggregates' pending events in one transaction, as one save would store them."""
        return self.events(*(e for a in aggregates for e in a.collect_events()))

    def events(self, *events: DomainEvent) -> int:
        notifications = []
        for event in events:
            self.position += 1
            stored = self.mapper.to_stored_event(event)
            notifications.append(Notification(
                id=self.position, originator_id=stored.originator_id, originator_version=stored.originator_version,
                topic=stored.topic, state=stored.state,
            ))
        self.stored += notifications
        return self.notifications(notifications)

    def notifications(self, notifications: list[Notification]) -> int:
        """Projects events as stored, decoded by this feed's mapper."""
        decode = Decoder(self.mapper.to_domain_event)
        with self.store.transaction() as sql:
            for projection in self.projections:
                feed(projection, topics_of(projection), notifications, decode, sql)
        return notifications[-1].id if notifications else self.position

    def read(self, query: Callable[..., R], *args: Any) -> R:
        with self.store.transaction(write=False) as sql:
            return query(sql, *args)

"""What every read model is: a name, the events it reads, and how it writes them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, TypeVar

from eventsourcing.domain import Aggregate, DomainEvent

from projections.batch import Batch
from projections.sql import Sql

A = TypeVar("A", bound=Aggregate)


def started(cls: type[A], event: Aggregate.Created) -> A:
    """The aggregate a creation event starts, as its writer held it once saved: what rows of it are made from."""
    aggregate = event.mutate(None)
    assert isinstance(aggregate, cls), f"{type(event).__qualname__} starts a {type(aggregate).__name__}"
    return aggregate


class Projection(ABC):
    """Turns batches of events into rows; the runner calls `apply_batch` inside the transaction that tracks it."""

    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]
    """The tables it owns, emptied when it is rebuilt from zero."""

    event_types: ClassVar[tuple[type[DomainEvent], ...]]

    weight: ClassVar[int] = 1
    """Roughly the microseconds its own code spends per event (bench/rebuild): a rebuild splits read models
    between processes by it, and the projector between the transactions a step runs at once."""

    waited_on: ClassVar[bool] = False
    """When true, reads right after a write wait for it (a case's `minPosition`): the projector steps it in a group
    of its own, which goes on without waiting for the other groups' heavier steps."""

    raw: ClassVar[bool] = False
    """When true, the batch holds every stored event (eventsourcing `Notification`s), undecoded, whatever its
    topic."""

    @abstractmethod
    def apply_batch(self, events: Batch, sql: Sql) -> None:
        """Writes what the batch's events change, each table's net changes in one statement (see `batch`)."""

    def at_rest(self, sql: Sql) -> None:  # noqa: B027 - an optional hook, which most read models leave empty
        """Called in a step that found nothing new after the read model's position: it is at the ledger's head."""


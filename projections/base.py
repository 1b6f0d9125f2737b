"""What every read model is: a name, the events it reads, and how it writes them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from eventsourcing.domain import DomainEvent

from projections.sql import Sql


class Projection(ABC):
    """Turns events into rows; the runner calls `apply` inside the transaction that tracks it."""

    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]
    """The tables it owns, emptied when it is rebuilt from zero."""

    event_types: ClassVar[tuple[type[DomainEvent], ...]]

    @abstractmethod
    def apply(self, event: Any, position: int, sql: Sql) -> None:
        """Writes what `event`, stored at ledger `position`, changes."""

"""Rows of the audit trail and the filters that select them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.values import Subject


@dataclass(frozen=True)
class AuditEntryRow:
    """One ledger event, with what it touches and a line saying what happened."""

    position: int
    type: str
    stream_id: str
    domain: str | None
    account_id: str | None
    subject_key: str | None
    actor: str
    occurred_at: datetime
    summary: str

    @property
    def subject(self) -> Subject | None:
        return None if self.subject_key is None else subject_of(self.subject_key)


def subject_of(key: str) -> Subject:
    """A subject from its key: domain and kind hold no slash, so the id is whatever follows the second."""
    domain, kind, id = key.split("/", 2)
    return Subject(domain, kind, id)


@dataclass(frozen=True)
class EventQuery:
    """Which events to select; every criterion given must hold (an empty one selects everything)."""

    domains: tuple[str, ...] | None = None
    types: tuple[str, ...] | None = None
    account_id: str | None = None
    subject_key: str | None = None
    actor: str | None = None
    occurred_from: datetime | None = None
    """Inclusive."""
    occurred_to: datetime | None = None
    """Exclusive."""

    @property
    def empty(self) -> bool:
        return all(getattr(self, f) is None for f in self.__dataclass_fields__)

    def selects(
        self, domain: str | None, type: str, account_id: str | None, subject_key: str | None, actor: str,
        occurred_at: datetime,
    ) -> bool:
        """Whether the query selects an event indexed with these values, as `positions` asks of the event index."""
        return (
            (self.domains is None or domain in self.domains)
            and (self.types is None or type in self.types)
            and (self.account_id is None or account_id == self.account_id)
            and (self.subject_key is None or subject_key == self.subject_key)
            and (self.actor is None or actor == self.actor)
            and (self.occurred_from is None or occurred_at >= self.occurred_from)
            and (self.occurred_to is None or occurred_at < self.occurred_to)
        )

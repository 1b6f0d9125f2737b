"""Rows of the review queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.case import Case
from domain.queue import Queue
from domain.values import Subject
from projections.values import utc


@dataclass(frozen=True)
class QueueEntryRow:
    """A case and policy with detections that no live decision has answered yet."""

    case_id: str
    subject: Subject
    account_id: str | None
    policy_key: str
    severity: str
    severity_rank: int
    max_confidence: float
    detections: int
    """The detections recorded since the entry was queued."""
    oldest_detected_at: datetime
    enqueued_at: datetime
    position: int
    """The ledger position of the entry's latest change."""
    reports: int = 0
    """The reports received since the entry was queued."""
    reporter_rank: int = 0
    """The most weighty reporter among them: 2 an authority, 1 a trusted flagger, 0 users only."""
    queue: str | None = None
    priority: int = 0
    """The explicit override of the computed order: higher first."""
    escalated: bool = False

    @property
    def sort_key(self) -> QueueKey:
        return QueueKey(self.severity_rank, self.max_confidence, self.oldest_detected_at, self.case_id, self.policy_key)


@dataclass(frozen=True)
class QueueKey:
    """Where an entry stands in the queue: a page starts after one of these."""

    severity_rank: int
    max_confidence: float
    oldest_detected_at: datetime
    case_id: str
    policy_key: str


@dataclass(frozen=True)
class QueueRow:
    name: str
    domain: str
    description: str
    created_at: datetime
    created_by: str
    position: int


def queue_row(queue: Queue, position: int) -> QueueRow:
    """A queue's row, as the ledger's queue holds it; `position` that of its latest change, or of the write a command
    answers with."""
    return QueueRow(
        name=queue.name, domain=queue.domain, description=queue.description, created_at=utc(queue.created_at),
        created_by=queue.created_by, position=position,
    )


@dataclass(frozen=True)
class ClaimRow:
    case_id: str
    queue: str
    policy_key: str
    holder: str
    claimed_at: datetime
    expires_at: datetime


def claim_row(case: Case) -> ClaimRow:
    """The row of the case's latest claim, as the ledger's case holds it (one it has)."""
    claim = case.claim
    assert claim is not None, f"case {case.id} holds no claim"
    return ClaimRow(
        case_id=str(case.id), queue=claim.queue, policy_key=claim.policy_key, holder=claim.holder,
        claimed_at=utc(claim.claimed_at), expires_at=utc(claim.expires_at),
    )


@dataclass(frozen=True)
class NoteRow:
    """A note, an escalation (with the queue it went to) or a priority override (with the priority) on a case."""

    position: int
    policy_key: str | None
    kind: str
    note: str
    queue: str | None
    priority: int | None
    actor: str
    occurred_at: datetime

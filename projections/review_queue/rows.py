"""Rows of the review queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.values import Subject


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

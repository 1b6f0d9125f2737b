"""Rows of the batch progress read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.values import Action, Subject


@dataclass(frozen=True)
class BatchRow:
    batch_id: str
    domain: str
    policy_key: str
    outcome: str
    actions: tuple[Action, ...]
    rationale: str
    status: str
    total: int
    decided: int
    skipped: int
    failed: int
    reversed: int
    kept: int
    started_at: datetime
    started_by: str
    completed_at: datetime | None
    reversal_rationale: str | None
    reversal_started_at: datetime | None
    reversed_by: str | None
    reversed_at: datetime | None
    updated_at: datetime
    position: int
    """The position of the batch's latest event."""


@dataclass(frozen=True)
class BatchSubjectRow:
    index: int
    subject: Subject
    account_id: str
    status: str
    """PENDING, DECIDED, SKIPPED, FAILED, REVERSED or KEPT."""
    decision_id: str | None
    reason: str | None

"""Rows of the batch progress read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.batch import Batch, SubjectStatus
from domain.values import Action, Subject
from projections.values import maybe_utc, utc


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


def batch_row(batch: Batch, position: int) -> BatchRow:
    """A batch's row, as the ledger's batch holds it; `position` that of its latest event, or of the write a command
    answers with. `decided` counts what the batch decided, reversed or kept since."""
    counts = batch.counts()
    verdict = batch.verdict
    return BatchRow(
        batch_id=str(batch.id), domain=batch.domain, policy_key=batch.policy_key, outcome=str(verdict.outcome),
        actions=verdict.actions, rationale=verdict.rationale, status=str(batch.status), total=len(batch.subjects),
        decided=counts[SubjectStatus.DECIDED] + counts[SubjectStatus.REVERSED] + counts[SubjectStatus.KEPT],
        skipped=counts[SubjectStatus.SKIPPED], failed=counts[SubjectStatus.FAILED],
        reversed=counts[SubjectStatus.REVERSED], kept=counts[SubjectStatus.KEPT], started_at=utc(batch.started_at),
        started_by=batch.started_by, completed_at=maybe_utc(batch.completed_at),
        reversal_rationale=batch.reversal_rationale, reversal_started_at=maybe_utc(batch.reversal_started_at),
        reversed_by=batch.reversed_by, reversed_at=maybe_utc(batch.reversed_at), updated_at=utc(batch.modified_on),
        position=position,
    )


@dataclass(frozen=True)
class BatchSubjectRow:
    index: int
    subject: Subject
    account_id: str
    status: str
    """PENDING, DECIDED, SKIPPED, FAILED, REVERSED or KEPT."""
    decision_id: str | None
    reason: str | None

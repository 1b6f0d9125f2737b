"""Rows of the appeals read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.appeal import Appeal
from domain.values import Subject
from projections.values import maybe_utc, utc


@dataclass(frozen=True)
class AppealRow:
    appeal_id: str
    decision_id: str
    case_id: str
    subject: Subject
    account_id: str | None
    policy_key: str
    statement: str
    status: str
    filed_at: datetime
    filed_by: str
    window_ends_at: datetime
    decided_by: str
    resolved_at: datetime | None
    resolved_by: str | None
    rationale: str | None
    filed_position: int
    position: int
    """The position of the appeal's latest event."""


def appeal_row(appeal: Appeal, position: int) -> AppealRow:
    """An appeal's row, as the ledger's appeal holds it; `position` the ledger position of its latest event (and, for
    the row of its filing, of that), or of the write a command answers with."""
    return AppealRow(
        appeal_id=str(appeal.id), decision_id=str(appeal.decision_id), case_id=str(appeal.case_id),
        subject=appeal.subject, account_id=appeal.account_id, policy_key=appeal.policy_key, statement=appeal.statement,
        status=str(appeal.status), filed_at=utc(appeal.filed_at), filed_by=appeal.filed_by,
        window_ends_at=utc(appeal.window_ends_at), decided_by=appeal.decided_by,
        resolved_at=maybe_utc(appeal.resolved_at), resolved_by=appeal.resolved_by, rationale=appeal.rationale,
        filed_position=position, position=position,
    )

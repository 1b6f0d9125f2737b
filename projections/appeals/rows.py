"""Rows of the appeals read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.values import Subject


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

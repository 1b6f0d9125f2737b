"""Rows of the reports read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.values import Content, Subject


@dataclass(frozen=True)
class ReportRow:
    report_id: str
    case_id: str
    subject: Subject
    account_id: str | None
    policy_key: str
    reporter_id: str
    reporter_kind: str
    text: str
    content: Content | None
    status: str
    outcome: str | None
    decision_id: str | None
    told: str | None
    """What the reporter was told when the report closed."""
    submitted_at: datetime
    submitted_by: str
    closed_at: datetime | None
    position: int


@dataclass(frozen=True)
class ReporterRow:
    reporter_id: str
    kind: str | None
    reports: int
    closed: int
    upheld: int
    """Closed reports whose decision found a violation."""
    warnings: int
    last_warned_at: datetime | None
    last_warning: str | None
    suspended_at: datetime | None
    suspended_until: datetime | None
    suspension: str | None

    @property
    def upheld_rate(self) -> float | None:
        return None if self.closed == 0 else self.upheld / self.closed

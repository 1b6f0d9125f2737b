"""Rows of the reports read model."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.report import Report, ReportStatus
from domain.reporter import Reporter
from domain.values import Content, Subject
from projections.values import maybe_utc, text_id, utc


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


def report_row(report: Report, in_review: bool, position: int) -> ReportRow:
    """A report's row, as the ledger's report holds it: CLOSED once closed, else IN_REVIEW if `in_review` (a reviewer
    has had its case in hand under its policy), else OPEN; `position` that of its submission, or of the write a
    command answers with."""
    status = ReportStatus.CLOSED if report.closed else ReportStatus.IN_REVIEW if in_review else ReportStatus.OPEN
    return ReportRow(
        report_id=str(report.id), case_id=str(report.case_id), subject=report.subject, account_id=report.account_id,
        policy_key=report.policy_key, reporter_id=report.reporter_id, reporter_kind=str(report.reporter_kind),
        text=report.text, content=report.content, status=str(status),
        outcome=None if report.outcome is None else str(report.outcome), decision_id=text_id(report.decision_id),
        told=report.told, submitted_at=utc(report.submitted_at), submitted_by=report.submitted_by,
        closed_at=maybe_utc(report.closed_at), position=position,
    )


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


def reporter_row(reporter: Reporter, tally: ReporterRow | None) -> ReporterRow:
    """A reporter's row: its warnings and suspension as the ledger's reporter holds them, over `tally`, the counts of
    its reports that the read model keeps (None: none counted yet)."""
    counted = tally or ReporterRow(reporter.reporter_id, None, 0, 0, 0, 0, None, None, None, None, None)
    return replace(
        counted, warnings=reporter.warnings, last_warned_at=maybe_utc(reporter.last_warned_at),
        last_warning=reporter.last_warning, suspended_at=maybe_utc(reporter.suspended_at),
        suspended_until=maybe_utc(reporter.suspended_until), suspension=reporter.suspension,
    )

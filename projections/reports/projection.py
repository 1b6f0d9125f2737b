"""Keeps every report's lifecycle (OPEN, IN_REVIEW while or once its case is claimed, CLOSED) and each reporter's
record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.case import Case
from domain.report import Report, ReportStatus
from domain.reporter import Reporter
from domain.values import Outcome
from projections.base import EventAtATime, started
from projections.reports.rows import report_row
from projections.sql import Sql
from projections.values import content_columns, utc

_INSERT = """
INSERT INTO reports (report_id, case_id, domain, subject_kind, subject_id, account_id, policy_key, reporter_id,
                     reporter_kind, text, content_uri, content_hash, content_version, status, submitted_at,
                     submitted_by, position)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_CLAIM = """
INSERT INTO report_claims (case_id, policy_key, expires_at) VALUES (?, ?, ?)
ON CONFLICT (case_id) DO UPDATE SET policy_key = excluded.policy_key, expires_at = excluded.expires_at
"""
_REPORTER = """
INSERT INTO reporters (reporter_id, stream_id, kind, reports, closed, upheld, warnings) VALUES (?, ?, ?, 0, 0, 0, 0)
ON CONFLICT (reporter_id) DO UPDATE SET kind = COALESCE(excluded.kind, reporters.kind)
"""


class ReportsProjection(EventAtATime):
    name = "reports"
    tables = ("reports", "reporters", "report_claims")
    event_types = (Report.Submitted, Report.Closed, Case.Claimed, Case.ClaimRenewed, Case.Released,
                   Reporter.Registered, Reporter.Warned, Reporter.Suspended)

    def apply(self, event: Any, position: int, sql: Sql) -> None:
        if isinstance(event, Report.Submitted):
            claimed = _claimed_on_arrival(sql, str(event.case_id), event.policy_key, event.occurred_at)
            row = report_row(started(Report, event), claimed, position)
            s = row.subject
            sql.execute(
                _INSERT,
                (
                    row.report_id, row.case_id, s.domain, s.kind, s.id, row.account_id, row.policy_key,
                    row.reporter_id, row.reporter_kind, row.text, *content_columns(row.content), row.status,
                    row.submitted_at, row.submitted_by, row.position,
                ),
            )
            _reporter(sql, event.reporter_id, event.reporter_kind)
            sql.execute("UPDATE reporters SET reports = reports + 1 WHERE reporter_id = ?", (event.reporter_id,))
        elif isinstance(event, Report.Closed):
            self._closed(event, sql)
        elif isinstance(event, Case.Claimed):
            case_id = str(event.originator_id)
            sql.execute(_CLAIM, (case_id, event.policy_key, event.expires_at))
            sql.execute(
                "UPDATE reports SET status = ? WHERE case_id = ? AND policy_key = ? AND status = ?",
                (str(ReportStatus.IN_REVIEW), case_id, event.policy_key, str(ReportStatus.OPEN)),
            )
        elif isinstance(event, Case.ClaimRenewed):
            sql.execute(
                "UPDATE report_claims SET expires_at = ? WHERE case_id = ?",
                (event.expires_at, str(event.originator_id)),
            )
        elif isinstance(event, Case.Released):
            sql.execute("DELETE FROM report_claims WHERE case_id = ?", (str(event.originator_id),))
        elif isinstance(event, Reporter.Registered):
            _reporter(sql, event.reporter_id, None)
        elif isinstance(event, Reporter.Warned):
            sql.execute(
                "UPDATE reporters SET warnings = warnings + 1, last_warned_at = ?, last_warning = ? "
                "WHERE stream_id = ?",
                (event.occurred_at, event.reason, str(event.originator_id)),
            )
        elif isinstance(event, Reporter.Suspended):
            sql.execute(
                "UPDATE reporters SET suspended_at = ?, suspended_until = ?, suspension = ? WHERE stream_id = ?",
                (event.occurred_at, event.until, event.reason, str(event.originator_id)),
            )

    @staticmethod
    def _closed(event: Report.Closed, sql: Sql) -> None:
        report_id = str(event.originator_id)
        sql.execute(
            "UPDATE reports SET status = ?, outcome = ?, decision_id = ?, told = ?, closed_at = ? WHERE report_id = ?",
            (str(ReportStatus.CLOSED), str(event.outcome), str(event.decision_id), event.told, event.occurred_at,
             report_id),
        )
        upheld = 1 if Outcome(event.outcome) is Outcome.VIOLATING else 0
        sql.execute(
            "UPDATE reporters SET closed = closed + 1, upheld = upheld + ? "
            "WHERE reporter_id = (SELECT reporter_id FROM reports WHERE report_id = ?)",
            (upheld, report_id),
        )


def _claimed_on_arrival(sql: Sql, case_id: str, policy_key: str, at: datetime) -> bool:
    """Whether a reviewer's lease on the case under the report's policy still runs at `at`: it is IN_REVIEW at once."""
    sql.execute("SELECT expires_at FROM report_claims WHERE case_id = ? AND policy_key = ?", (case_id, policy_key))
    claim = sql.fetchone()
    return claim is not None and utc(claim[0]) > at


def _reporter(sql: Sql, reporter_id: str, kind: str | None) -> None:
    sql.execute(_REPORTER, (reporter_id, str(Reporter.create_id(reporter_id)), kind))

"""Keeps every report's lifecycle (OPEN, IN_REVIEW while or once its case is claimed, CLOSED) and each reporter's
record."""

from __future__ import annotations

from typing import Any

from domain.account_data import AccountData
from domain.case import Case
from domain.report import Report, ReportStatus
from domain.reporter import Reporter
from domain.values import Outcome
from projections.base import Projection, started
from projections.batch import Batch, Row, Table, write_all
from projections.erasure import blank, erased_accounts
from projections.reports.rows import report_row
from projections.sql import Sql
from projections.values import content_columns

REPORTS = Table(
    "reports",
    key=("report_id",),
    columns=(
        "report_id", "case_id", "domain", "subject_kind", "subject_id", "account_id", "policy_key", "reporter_id",
        "reporter_kind", "text", "content_uri", "content_hash", "content_version", "status", "outcome",
        "decision_id", "told", "submitted_at", "submitted_by", "closed_at", "position",
    ),
    times=("submitted_at", "closed_at"),
)
REPORTERS = Table(
    "reporters",
    key=("reporter_id",),
    columns=(
        "reporter_id", "stream_id", "kind", "reports", "closed", "upheld", "warnings", "last_warned_at",
        "last_warning", "suspended_at", "suspended_until", "suspension",
    ),
    times=("last_warned_at", "suspended_at", "suspended_until"),
)
CLAIMS = Table(
    "report_claims", key=("case_id",), columns=("case_id", "policy_key", "expires_at"), times=("expires_at",),
)

_OPEN, _IN_REVIEW, _CLOSED = str(ReportStatus.OPEN), str(ReportStatus.IN_REVIEW), str(ReportStatus.CLOSED)


class ReportsProjection(Projection):
    name = "reports"
    tables = ("reports", "reporters", "report_claims")
    event_types = (Report.Submitted, Report.Closed, Case.Claimed, Case.ClaimRenewed, Case.Released,
                   Reporter.Registered, Reporter.Warned, Reporter.Suspended, AccountData.Erased)

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        erased = erased_accounts(events)
        batch = _ReportRows(events, sql)
        for position, event in events:
            if isinstance(event, Report.Submitted):
                batch.submitted(event, position)
            elif isinstance(event, Report.Closed):
                batch.closed(event)
            elif isinstance(event, Case.Claimed):
                batch.claimed(event)
            elif isinstance(event, Case.ClaimRenewed):
                batch.claims.update((str(event.originator_id),), expires_at=event.expires_at)
            elif isinstance(event, Case.Released):
                batch.claims.delete((str(event.originator_id),))
            elif isinstance(event, Reporter.Registered):
                batch.reporter(event.reporter_id, None)
            elif isinstance(event, Reporter.Warned):
                batch.warned(event)
            elif isinstance(event, Reporter.Suspended):
                batch.suspended(event)
        write_all(sql, batch.reports, batch.reporters, batch.claims)
        blank(sql, "reports", "text", erased)


class _ReportRows:
    """The rows a batch of the read model's events reads, and how each event changes them."""

    def __init__(self, events: Batch, sql: Sql) -> None:
        self.reports, self.reporters, self.claims = REPORTS.rows(), REPORTERS.rows(), CLAIMS.rows()
        self.claims.fetch(sql, [
            (str(e.case_id if isinstance(e, Report.Submitted) else e.originator_id),)
            for _, e in events if isinstance(e, (Report.Submitted, Case.ClaimRenewed))
        ])
        self.reports.fetch(sql, [(str(e.originator_id),) for _, e in events if isinstance(e, Report.Closed)])
        claimed = [(str(e.originator_id),) for _, e in events if isinstance(e, Case.Claimed)]
        self.waiting: dict[tuple[str, str], list[str]] = {}
        """The reports of each case and policy a claim in the batch may put IN_REVIEW, read or added."""
        for row in self.reports.fetch_where(sql, ("case_id",), claimed):
            self._waits(row)
        closing = (self.reports.get((str(e.originator_id),)) for _, e in events if isinstance(e, Report.Closed))
        self.reporters.fetch(sql, [
            *((e.reporter_id,) for _, e in events if isinstance(e, (Report.Submitted, Reporter.Registered))),
            *((row["reporter_id"],) for row in closing if row is not None),
        ])
        streams = [(str(e.originator_id),) for _, e in events if isinstance(e, (Reporter.Warned, Reporter.Suspended))]
        self.owners = {row["stream_id"]: row["reporter_id"]
                       for row in self.reporters.fetch_where(sql, ("stream_id",), streams)}
        """The reporter of each reporter stream read, or added by the batch."""

    def _waits(self, report: Row) -> None:
        self.waiting.setdefault((report["case_id"], report["policy_key"]), []).append(report["report_id"])

    def submitted(self, event: Report.Submitted, position: int) -> None:
        # A reviewer's lease on the case under the report's policy still runs: the report is IN_REVIEW at once.
        claim = self.claims.get((str(event.case_id),))
        claimed = (
            claim is not None and claim["policy_key"] == event.policy_key and claim["expires_at"] > event.occurred_at
        )
        row = report_row(started(Report, event), claimed, position)
        s = row.subject
        uri, hash_, version = content_columns(row.content)
        report = {
            "report_id": row.report_id, "case_id": row.case_id, "domain": s.domain, "subject_kind": s.kind,
            "subject_id": s.id, "account_id": row.account_id, "policy_key": row.policy_key,
            "reporter_id": row.reporter_id, "reporter_kind": row.reporter_kind, "text": row.text, "content_uri": uri,
            "content_hash": hash_, "content_version": version, "status": row.status, "outcome": None,
            "decision_id": None, "told": None, "submitted_at": row.submitted_at, "submitted_by": row.submitted_by,
            "closed_at": None, "position": row.position,
        }
        self.reports.add(report)
        self._waits(report)
        reporter = self.reporter(event.reporter_id, event.reporter_kind)
        self.reporters.put(reporter | {"reports": reporter["reports"] + 1})

    def reporter(self, reporter_id: str, kind: str | None) -> Row:
        """Stores the reporter, new with nothing counted, or with its `kind` when given; returns its row."""
        row = self.reporters.get((reporter_id,))
        if row is None:
            stream_id = str(Reporter.create_id(reporter_id))
            self.owners[stream_id] = reporter_id
            row = {
                "reporter_id": reporter_id, "stream_id": stream_id, "kind": None, "reports": 0, "closed": 0,
                "upheld": 0, "warnings": 0, "last_warned_at": None, "last_warning": None, "suspended_at": None,
                "suspended_until": None, "suspension": None,
            }
        if kind is not None:
            row = row | {"kind": kind}
        self.reporters.put(row)
        return row

    def closed(self, event: Report.Closed) -> None:
        report = self.reports.get((str(event.originator_id),))
        if report is None:
            return
        self.reports.put(report | {
            "status": _CLOSED, "outcome": str(event.outcome), "decision_id": str(event.decision_id),
            "told": event.told, "closed_at": event.occurred_at,
        })
        reporter = self.reporters.get((report["reporter_id"],))
        if reporter is not None:
            upheld = 1 if Outcome(event.outcome) is Outcome.VIOLATING else 0
            self.reporters.put(reporter | {"closed": reporter["closed"] + 1, "upheld": reporter["upheld"] + upheld})

    def claimed(self, event: Case.Claimed) -> None:
        case_id = str(event.originator_id)
        self.claims.put({"case_id": case_id, "policy_key": event.policy_key, "expires_at": event.expires_at})
        for report_id in self.waiting.get((case_id, event.policy_key), ()):
            report = self.reports.get((report_id,))
            if report is not None and report["status"] == _OPEN:
                self.reports.put(report | {"status": _IN_REVIEW})

    def warned(self, event: Reporter.Warned) -> None:
        reporter = self._of_stream(event)
        if reporter is not None:
            self.reporters.put(reporter | {
                "warnings": reporter["warnings"] + 1, "last_warned_at": event.occurred_at, "last_warning": event.reason,
            })

    def suspended(self, event: Reporter.Suspended) -> None:
        reporter = self._of_stream(event)
        if reporter is not None:
            self.reporters.put(reporter | {
                "suspended_at": event.occurred_at, "suspended_until": event.until, "suspension": event.reason,
            })

    def _of_stream(self, event: Any) -> Row | None:
        """The row of the reporter whose stream the event is of, if it has one."""
        reporter_id = self.owners.get(str(event.originator_id))
        return None if reporter_id is None else self.reporters.get((reporter_id,))

"""Reads of reports and reporters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.values import Subject
from projections.reports.rows import ReporterRow, ReportRow
from projections.sql import Steps, first, grouped, marks, query
from projections.values import content_from, maybe_utc, utc

_COLUMNS = """report_id, case_id, domain, subject_kind, subject_id, account_id, policy_key, reporter_id, reporter_kind,
text, content_uri, content_hash, content_version, status, outcome, decision_id, told, submitted_at, submitted_by,
closed_at, position"""


@query
def case_reports(case_ids: Sequence[str]) -> Steps[dict[str, list[ReportRow]]]:
    """Each case's reports in the order they came in, in one statement."""
    rows = yield (f"SELECT {_COLUMNS} FROM reports WHERE case_id IN ({marks(case_ids)}) ORDER BY position",
                tuple(case_ids))
    return grouped(case_ids, [(row.case_id, row) for row in map(_report, rows)])


@query
def find_report(report_id: str) -> Steps[ReportRow | None]:
    rows = yield (f"SELECT {_COLUMNS} FROM reports WHERE report_id = ?", (report_id,))
    r = first(rows)
    return None if r is None else _report(r)


@query
def find_reporter(reporter_id: str) -> Steps[ReporterRow | None]:
    rows = yield (
        ("SELECT reporter_id, kind, reports, closed, upheld, warnings, last_warned_at, last_warning, suspended_at, "
        "suspended_until, suspension FROM reporters WHERE reporter_id = ?"),
        (reporter_id,),
    )
    r = first(rows)
    if r is None:
        return None
    return ReporterRow(
        reporter_id=r[0], kind=r[1], reports=int(r[2]), closed=int(r[3]), upheld=int(r[4]), warnings=int(r[5]),
        last_warned_at=maybe_utc(r[6]), last_warning=r[7], suspended_at=maybe_utc(r[8]),
        suspended_until=maybe_utc(r[9]), suspension=r[10],
    )


def _report(r: tuple[Any, ...]) -> ReportRow:
    return ReportRow(
        report_id=r[0], case_id=r[1], subject=Subject(r[2], r[3], r[4]), account_id=r[5], policy_key=r[6],
        reporter_id=r[7], reporter_kind=r[8], text=r[9], content=content_from(r[10], r[11], r[12]), status=r[13],
        outcome=r[14], decision_id=r[15], told=r[16], submitted_at=utc(r[17]), submitted_by=r[18],
        closed_at=maybe_utc(r[19]), position=int(r[20]),
    )

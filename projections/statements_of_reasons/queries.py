"""Reads of statements of reasons: a page of them, by when they were decided, domain and status."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.submission import SubmissionStatus
from projections.sor_submissions import queries as submissions
from projections.sql import Sql, in_clause
from projections.statements_of_reasons.rows import StatementRow, StatementStatus
from projections.values import maybe_utc, utc

_COLUMNS = ("s.decision_id, s.puid, s.domain, s.policy_key, s.case_id, s.account_id, s.decided_at, s.status, "
            f"s.corrected_at, s.statement, s.position, {submissions.COLUMNS}")


@dataclass(frozen=True)
class StatementQuery:
    """Which statements: decided from `decided_from` (inclusive) to `decided_to` (exclusive), in `domains` (None:
    any), of a status (None: any) and of a submission status (None: any)."""

    decided_from: datetime | None = None
    decided_to: datetime | None = None
    domains: Sequence[str] | None = None
    status: StatementStatus | None = None
    submissions: Collection[SubmissionStatus] | None = None


def statement_page(sql: Sql, query: StatementQuery, after: int, limit: int) -> list[StatementRow]:
    """Statements in the order of their decisions in the ledger, after the decision at position `after`."""
    within, params = in_clause("s.domain", query.domains)
    submitted, statuses = submissions.status_clause(query.submissions)
    conditions, values = [], []
    for condition, value in (("s.decided_at >= ?", query.decided_from), ("s.decided_at < ?", query.decided_to),
                             ("s.status = ?", query.status)):
        if value is not None:
            conditions.append(f" AND {condition}")
            values.append(value)
    sql.execute(
        f"SELECT {_COLUMNS} FROM statements_of_reasons s{submissions.JOIN} WHERE s.position > ?{within}{submitted}"
        f"{''.join(conditions)} ORDER BY s.position LIMIT ?",
        (after, *params, *statuses, *values, limit),
    )
    return [_row(r) for r in sql.fetchall()]


def _row(r: tuple[Any, ...]) -> StatementRow:
    return StatementRow(
        decision_id=r[0], puid=r[1], domain=r[2], policy_key=r[3], case_id=r[4], account_id=r[5],
        decided_at=utc(r[6]), status=StatementStatus(r[7]), corrected_at=maybe_utc(r[8]), statement=json.loads(r[9]),
        position=int(r[10]), submission=submissions.submission_of(r[11:]),
    )

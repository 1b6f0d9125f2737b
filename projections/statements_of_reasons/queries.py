"""Reads of statements of reasons: a page of them, by when they were decided, domain and status."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from projections.sql import Sql, in_clause
from projections.statements_of_reasons.rows import StatementRow, StatementStatus
from projections.values import maybe_utc, utc

_COLUMNS = ("decision_id, puid, domain, policy_key, case_id, account_id, decided_at, status, corrected_at, statement, "
            "position")


@dataclass(frozen=True)
class StatementQuery:
    """Which statements: decided from `decided_from` (inclusive) to `decided_to` (exclusive), in `domains` (None:
    any) and of a status (None: any)."""

    decided_from: datetime | None = None
    decided_to: datetime | None = None
    domains: Sequence[str] | None = None
    status: StatementStatus | None = None


def statement_page(sql: Sql, query: StatementQuery, after: int, limit: int) -> list[StatementRow]:
    """Statements in the order of their decisions in the ledger, after the decision at position `after`."""
    within, params = in_clause("domain", query.domains)
    conditions, values = [], []
    for condition, value in (("decided_at >= ?", query.decided_from), ("decided_at < ?", query.decided_to),
                             ("status = ?", query.status)):
        if value is not None:
            conditions.append(f" AND {condition}")
            values.append(value)
    sql.execute(
        f"SELECT {_COLUMNS} FROM statements_of_reasons WHERE position > ?{within}{''.join(conditions)} "
        "ORDER BY position LIMIT ?",
        (after, *params, *values, limit),
    )
    return [_row(r) for r in sql.fetchall()]


def _row(r: tuple[Any, ...]) -> StatementRow:
    return StatementRow(
        decision_id=r[0], puid=r[1], domain=r[2], policy_key=r[3], case_id=r[4], account_id=r[5],
        decided_at=utc(r[6]), status=StatementStatus(r[7]), corrected_at=maybe_utc(r[8]), statement=json.loads(r[9]),
        position=int(r[10]),
    )

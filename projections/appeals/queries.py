"""Reads of appeals: one, an account's, and the queue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.values import Subject
from projections.appeals.rows import AppealRow
from projections.sql import Steps, first, grouped, in_clause, marks, query
from projections.values import maybe_utc, utc

_COLUMNS = """appeal_id, decision_id, case_id, domain, subject_kind, subject_id, account_id, policy_key, statement,
status, filed_at, filed_by, window_ends_at, decided_by, resolved_at, resolved_by, rationale, filed_position,
position"""


@query
def find_appeal(appeal_id: str) -> Steps[AppealRow | None]:
    rows = yield (f"SELECT {_COLUMNS} FROM appeals WHERE appeal_id = ?", (appeal_id,))
    row = first(rows)
    return None if row is None else _row(row)


@query
def account_appeals(account_id: str) -> Steps[list[AppealRow]]:
    rows = yield (f"SELECT {_COLUMNS} FROM appeals WHERE account_id = ? ORDER BY filed_position", (account_id,))
    return [_row(r) for r in rows]


@query
def case_appeals(case_ids: Sequence[str]) -> Steps[dict[str, list[AppealRow]]]:
    """Each case's appeals in the order they were filed, in one statement."""
    rows = yield (f"SELECT {_COLUMNS} FROM appeals WHERE case_id IN ({marks(case_ids)}) ORDER BY filed_position",
                tuple(case_ids))
    return grouped(case_ids, [(row.case_id, row) for row in map(_row, rows)])


@query
def appeal_queue(status: str, domains: Sequence[str] | None, after: int, limit: int
) -> Steps[list[AppealRow]]:
    """Appeals of a status (in `domains`; None: in any), in the order they were filed, after a cursor."""
    within, params = in_clause("domain", domains)
    rows = yield (
        (f"SELECT {_COLUMNS} FROM appeals WHERE status = ?{within} AND filed_position > ? "
        "ORDER BY filed_position LIMIT ?"),
        (status, *params, after, limit),
    )
    return [_row(r) for r in rows]


def _row(r: tuple[Any, ...]) -> AppealRow:
    return AppealRow(
        appeal_id=r[0], decision_id=r[1], case_id=r[2], subject=Subject(r[3], r[4], r[5]), account_id=r[6],
        policy_key=r[7], statement=r[8], status=r[9], filed_at=utc(r[10]), filed_by=r[11],
        window_ends_at=utc(r[12]), decided_by=r[13], resolved_at=maybe_utc(r[14]), resolved_by=r[15],
        rationale=r[16], filed_position=r[17], position=r[18],
    )

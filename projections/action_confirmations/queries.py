"""Reads of action confirmations: a decision's, the overdue ones in order, and how many are overdue where."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from projections.action_confirmations.rows import ConfirmationRow, confirmation_row
from projections.action_confirmations.tables import CONFIRMATIONS
from projections.sql import Sql, Steps, grouped, in_clause, marks, query

_SELECT = f"SELECT {', '.join(CONFIRMATIONS.columns)} FROM action_confirmations"

OverdueKey = tuple[datetime, str, str, str]
"""A place in the order of overdue confirmations: due time, decision, action, system."""


@query
def decision_confirmations(decision_ids: Sequence[str]) -> Steps[dict[str, list[ConfirmationRow]]]:
    """Each decision's obligations, in the order of its actions and their systems, in one statement."""
    found = yield f"{_SELECT} WHERE decision_id IN ({marks(decision_ids)}) ORDER BY decision_id, idx", decision_ids
    rows = [confirmation_row(dict(zip(CONFIRMATIONS.columns, r, strict=True))) for r in found]
    return grouped(decision_ids, [(str(r.obligation.decision_id), r) for r in rows])


@query
def overdue_confirmations(
    domains: Sequence[str] | None, due_by: datetime, after: OverdueKey | None, limit: int
) -> Steps[list[ConfirmationRow]]:
    """The confirmations awaited that fell due by `due_by`, in `domains` (None: any), longest overdue first."""
    within, params = in_clause("domain", domains)
    since, since_params = ("", []) if after is None else (
        " AND (due_at, decision_id, action, system) > (?, ?, ?, ?)", list(after)
    )
    statement = (
        f"{_SELECT} WHERE due_at IS NOT NULL AND due_at <= ?{within}{since} "
        "ORDER BY due_at, decision_id, action, system LIMIT ?"
    )
    found = yield statement, (due_by, *params, *since_params, limit)
    return [confirmation_row(dict(zip(CONFIRMATIONS.columns, r, strict=True))) for r in found]


def overdue_counts(sql: Sql, now: datetime) -> list[tuple[str, str, int]]:
    """How many confirmations are overdue at `now`, by domain and system."""
    sql.execute(
        "SELECT domain, system, count(*) FROM action_confirmations WHERE due_at IS NOT NULL AND due_at <= ? "
        "GROUP BY domain, system ORDER BY domain, system",
        (now,),
    )
    return [(domain, system, int(count)) for domain, system, count in sql.fetchall()]

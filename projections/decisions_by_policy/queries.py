"""Reads of decision counts, for analysts."""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.decisions_by_policy.rows import DecisionCountRow
from projections.sql import Sql


def decision_counts(
    sql: Sql, domain: str, policy_key: str | None = None, first_day: date | None = None, last_day: date | None = None
) -> list[DecisionCountRow]:
    """A domain's decision counts (or one policy's) from `first_day` to `last_day` inclusive, by day."""
    conditions = ["domain = ?"]
    params: list[Any] = [domain]
    if policy_key is not None:
        conditions.append("policy_key = ?")
        params.append(policy_key)
    if first_day is not None:
        conditions.append("day >= ?")
        params.append(first_day.isoformat())
    if last_day is not None:
        conditions.append("day <= ?")
        params.append(last_day.isoformat())
    sql.execute(
        "SELECT domain, policy_key, day, outcome, automation, decisions, superseded, reversed FROM decision_counts "
        f"WHERE {' AND '.join(conditions)} ORDER BY day, policy_key, outcome, automation",
        params,
    )
    return [
        DecisionCountRow(
            domain=r[0], policy_key=r[1], day=date.fromisoformat(r[2]), outcome=r[3], automation=r[4],
            decisions=int(r[5]), superseded=int(r[6]), reversed=int(r[7]),
        )
        for r in sql.fetchall()
    ]

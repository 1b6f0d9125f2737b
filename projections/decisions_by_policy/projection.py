"""Counts decisions per domain, policy, UTC day, outcome and automation level."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from domain.case import Case
from projections.base import EventAtATime
from projections.sql import Sql

_COUNT = """
INSERT INTO decision_counts (domain, policy_key, day, outcome, automation, decisions, superseded, reversed)
VALUES (?, ?, ?, ?, ?, 1, 0, 0)
ON CONFLICT (domain, policy_key, day, outcome, automation) DO UPDATE SET decisions = decision_counts.decisions + 1
"""
_BUCKET = "SELECT domain, policy_key, day, outcome, automation FROM decision_count_decisions WHERE decision_id = ?"
_KEY = "domain = ? AND policy_key = ? AND day = ? AND outcome = ? AND automation = ?"


class DecisionsByPolicyProjection(EventAtATime):
    """A decision counts on the day it was made; supersessions and reversals count against that same day."""

    name = "decisions_by_policy"
    weight = 7
    tables = ("decision_counts", "decision_count_cases", "decision_count_decisions")
    event_types = (Case.Opened, Case.Decided, Case.ActionsReversed)

    def apply(self, event: Any, position: int, sql: Sql) -> None:
        case_id = str(event.originator_id)
        if isinstance(event, Case.Opened):
            sql.execute(
                "INSERT INTO decision_count_cases (case_id, domain) VALUES (?, ?) ON CONFLICT (case_id) DO NOTHING",
                (case_id, event.subject.domain),
            )
        elif isinstance(event, Case.Decided):
            d = event.decision
            sql.execute("SELECT domain FROM decision_count_cases WHERE case_id = ?", (case_id,))
            row = sql.fetchone()
            assert row is not None, f"case {case_id} was decided before it was opened"
            bucket = (row[0], d.policy_key, event.occurred_at.astimezone(UTC).date().isoformat(),
                      str(d.outcome), str(d.automation))
            sql.execute(_COUNT, bucket)
            sql.execute(
                "INSERT INTO decision_count_decisions (decision_id, domain, policy_key, day, outcome, automation) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (str(d.decision_id), *bucket),
            )
            if d.supersedes is not None:
                _count_against(sql, str(d.supersedes), "superseded")
        elif isinstance(event, Case.ActionsReversed):
            _count_against(sql, str(event.decision_id), "reversed")


def _count_against(sql: Sql, decision_id: str, column: str) -> None:
    """Adds one to `column` of the bucket the decision was counted in."""
    sql.execute(_BUCKET, (decision_id,))
    bucket = sql.fetchone()
    assert bucket is not None, f"decision {decision_id} was undone before it was made"
    sql.execute(f"UPDATE decision_counts SET {column} = {column} + 1 WHERE {_KEY}", tuple(bucket))

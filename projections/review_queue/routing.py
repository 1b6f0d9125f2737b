"""Routes review queue entries: the first matching rule of the routing table, else its default queue.

An entry is routed again whenever what routing looks at changes (a detection, a report, a new
severity, a new table); an escalated entry stays where it was sent. Each arrival in a queue is
logged as INBOUND for the operations figures.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

from domain.routing import RoutingRule, WorkFacts, route
from projections.sql import Sql

_ENTRY = """SELECT case_id, policy_key, domain, subject_kind, severity, sources, reporter_kinds, max_confidence, queue
FROM review_queue WHERE escalated = ?"""
_LOG = """
INSERT INTO review_log (position, kind, case_id, policy_key, queue, reviewer, occurred_at, handling_seconds)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (position, kind, case_id, policy_key) DO NOTHING
"""


def save_table(sql: Sql, rules: tuple[RoutingRule, ...], default_queue: str, actor: str, at: datetime) -> None:
    sql.execute("DELETE FROM review_routing")
    sql.execute(
        "INSERT INTO review_routing (id, rules, default_queue, changed_at, changed_by) VALUES (1, ?, ?, ?, ?)",
        (json.dumps([asdict(r) for r in rules]), default_queue, at, actor),
    )


def load_table(sql: Sql) -> tuple[list[RoutingRule], str | None]:
    sql.execute("SELECT rules, default_queue FROM review_routing WHERE id = 1")
    row = sql.fetchone()
    if row is None:
        return [], None
    return [RoutingRule(**r) for r in json.loads(row[0])], row[1]


def reroute(sql: Sql, position: int, at: datetime, case_id: str | None = None, policy_key: str | None = None) -> None:
    """Routes the unescalated entries (all, or one case's under one policy) by the table as it stands."""
    rules, default_queue = load_table(sql)
    statement, params = _ENTRY, [False]
    if case_id is not None:
        statement += " AND case_id = ? AND policy_key = ?"
        params += [case_id, policy_key]
    sql.execute(statement, params)
    for row in sql.fetchall():
        work = WorkFacts(
            domain=row[2], policy_key=row[1], subject_kind=row[3], severity=row[4], sources=_set(row[5]),
            reporter_kinds=_set(row[6]), max_confidence=float(row[7]),
        )
        queue = route(rules, default_queue, work)
        if queue != row[8]:
            move(sql, row[0], row[1], queue, position, at)


def move(sql: Sql, case_id: str, policy_key: str, queue: str | None, position: int, at: datetime) -> None:
    sql.execute("UPDATE review_queue SET queue = ? WHERE case_id = ? AND policy_key = ?", (queue, case_id, policy_key))
    if queue is not None:
        log(sql, position, "INBOUND", case_id, policy_key, queue, None, at, None)


def log(
    sql: Sql, position: int, kind: str, case_id: str, policy_key: str, queue: str, reviewer: str | None,
    at: datetime, handling_seconds: float | None,
) -> None:
    sql.execute(_LOG, (position, kind, case_id, policy_key, queue, reviewer, at, handling_seconds))


def add_to_set(text: str, value: str) -> str:
    """A set of names stored as space-separated text, with `value` in it."""
    return " ".join(sorted(_set(text) | {value}))


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())

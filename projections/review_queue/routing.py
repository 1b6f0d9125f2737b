"""Routes review queue entries: the first matching rule of the routing table, else its default queue.

An entry is routed again whenever what routing looks at changes (a detection, a report, a new
severity, a new table); an escalated entry stays where it was sent. Each arrival in a queue is
logged as INBOUND for the operations figures.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from functools import lru_cache
from typing import Any

from domain.routing import RoutingRule, WorkFacts, route
from projections.sql import Sql

_COLUMNS = (
    "q.case_id, q.policy_key, q.domain, q.subject_kind, q.severity, q.sources, q.reporter_kinds, "
    "q.max_confidence, q.queue, q.escalated"
)
_ENTRY = f"SELECT {_COLUMNS} FROM review_queue q"
_ENTRY_AND_TABLE = f"""
SELECT {_COLUMNS}, r.rules, r.default_queue
FROM review_queue q LEFT JOIN review_routing r ON r.id = 1
WHERE q.case_id = ? AND q.policy_key = ?
"""
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
    return _table(None, None) if row is None else _table(row[0], row[1])


def _table(rules: str | None, default_queue: str | None) -> tuple[list[RoutingRule], str | None]:
    """The routing table from its stored row (None, None: there is none yet)."""
    return ([], None) if rules is None else (list(_rules(rules)), default_queue)


@lru_cache(maxsize=4)
def _rules(text: str) -> tuple[RoutingRule, ...]:
    """The stored rules, parsed once rather than for every event routed."""
    return tuple(RoutingRule(**r) for r in json.loads(text))


def reroute_all(sql: Sql, position: int, at: datetime) -> None:
    """Routes every unescalated entry by the table as it stands."""
    table = load_table(sql)
    sql.execute(_ENTRY + " WHERE q.escalated = ?", (False,))
    for row in sql.fetchall():
        queue = route(*table, _facts(row))
        if queue != row[8]:
            move(sql, row[0], row[1], queue, position, at)


def add_signal(
    sql: Sql, case_id: str, policy_key: str, position: int, at: datetime, source: str | None = None,
    reporter_kind: str | None = None,
) -> None:
    """Adds a detection's source or a report's kind of reporter to an entry, and routes it again unless escalated."""
    sql.execute(_ENTRY_AND_TABLE, (case_id, policy_key))  # the table with the entry: one round trip, not two
    row = sql.fetchone()
    if row is None:
        return
    sources = _set(row[5]) | ({source} if source else set())
    kinds = _set(row[6]) | ({reporter_kind} if reporter_kind else set())
    queue = row[8]
    if not row[9]:
        queue = route(*_table(row[10], row[11]), _facts((*row[:5], " ".join(sources), " ".join(kinds), *row[7:10])))
    if (sources, kinds, queue) == (_set(row[5]), _set(row[6]), row[8]):
        return
    sql.execute(
        "UPDATE review_queue SET sources = ?, reporter_kinds = ?, queue = ? WHERE case_id = ? AND policy_key = ?",
        (" ".join(sorted(sources)), " ".join(sorted(kinds)), queue, case_id, policy_key),
    )
    if queue is not None and queue != row[8]:
        log(sql, position, "INBOUND", case_id, policy_key, queue, None, at, None)


def move(sql: Sql, case_id: str, policy_key: str, queue: str | None, position: int, at: datetime) -> None:
    """Puts an entry in `queue`, if the entry is waiting."""
    sql.execute("SELECT 1 FROM review_queue WHERE case_id = ? AND policy_key = ?", (case_id, policy_key))
    if sql.fetchone() is None:
        return
    sql.execute("UPDATE review_queue SET queue = ? WHERE case_id = ? AND policy_key = ?", (queue, case_id, policy_key))
    if queue is not None:
        log(sql, position, "INBOUND", case_id, policy_key, queue, None, at, None)


def _facts(row: tuple[Any, ...]) -> WorkFacts:
    return WorkFacts(
        domain=row[2], policy_key=row[1], subject_kind=row[3], severity=row[4], sources=_set(row[5]),
        reporter_kinds=_set(row[6]), max_confidence=float(row[7]),
    )


def log(
    sql: Sql, position: int, kind: str, case_id: str, policy_key: str, queue: str, reviewer: str | None,
    at: datetime, handling_seconds: float | None,
) -> None:
    sql.execute(_LOG, (position, kind, case_id, policy_key, queue, reviewer, at, handling_seconds))


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())

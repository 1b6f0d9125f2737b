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

from domain.routing import RoutingRule, WorkFacts, route
from projections.batch import Row
from projections.review_queue.tables import ROUTING_KEY, ReviewRows
from projections.sql import Steps, first, query


def table_row(rules: tuple[RoutingRule, ...], default_queue: str, actor: str, at: datetime) -> Row:
    return {
        "id": ROUTING_KEY[0], "rules": json.dumps([asdict(r) for r in rules]), "default_queue": default_queue,
        "changed_at": at, "changed_by": actor,
    }


@query
def load_table() -> Steps[tuple[list[RoutingRule], str | None]]:
    row = first((yield "SELECT rules, default_queue FROM review_routing WHERE id = 1", ()))
    return _table(None, None) if row is None else _table(row[0], row[1])


def _table_now(rows: ReviewRows) -> tuple[list[RoutingRule], str | None]:
    """The routing table as the batch has left it so far."""
    row = rows.routing_row()
    return _table(None, None) if row is None else _table(row["rules"], row["default_queue"])


def _table(rules: str | None, default_queue: str | None) -> tuple[list[RoutingRule], str | None]:
    """The routing table from its stored row (None, None: there is none yet)."""
    return ([], None) if rules is None else (list(_rules(rules)), default_queue)


@lru_cache(maxsize=4)
def _rules(text: str) -> tuple[RoutingRule, ...]:
    """The stored rules, parsed once rather than for every event routed."""
    return tuple(RoutingRule(**r) for r in json.loads(text))


def reroute_all(rows: ReviewRows, position: int, at: datetime) -> None:
    """Routes every unescalated entry by the table as it stands (a rare event: reads every such entry)."""
    table = _table_now(rows)
    for entry in rows.entries.fetch_where(rows.sql, ("escalated",), [(False,)]):
        queue = route(*table, _facts(entry, _set(entry["sources"]), _set(entry["reporter_kinds"])))
        if queue != entry["queue"]:
            move(rows, entry, queue, position, at)


def add_signal(
    rows: ReviewRows, entry: Row, position: int, at: datetime, source: str | None = None,
    reporter_kind: str | None = None,
) -> None:
    """Adds a detection's source or a report's kind of reporter to an entry (a row the batch holds, put already: it
    is changed in place), and routes it again unless escalated."""
    had_sources, had_kinds = _set(entry["sources"]), _set(entry["reporter_kinds"])
    sources = had_sources | {source} if source else had_sources
    kinds = had_kinds | {reporter_kind} if reporter_kind else had_kinds
    queue = had_queue = entry["queue"]
    if not entry["escalated"]:
        rules, default_queue = _table_now(rows)
        # No rules send everything to the default queue: no facts to gather for them.
        queue = route(rules, default_queue, _facts(entry, sources, kinds)) if rules else default_queue
    if sources == had_sources and kinds == had_kinds and queue == had_queue:
        return
    entry["sources"], entry["reporter_kinds"] = " ".join(sorted(sources)), " ".join(sorted(kinds))
    entry["queue"] = queue
    rows.entries.put(entry)
    if queue is not None and queue != had_queue:
        _arrived(rows, entry, queue, position, at)


def move(rows: ReviewRows, entry: Row, queue: str | None, position: int, at: datetime) -> None:
    """Puts a waiting entry in `queue`."""
    rows.entries.put(entry | {"queue": queue})
    if queue is not None:
        _arrived(rows, entry, queue, position, at)


def _arrived(rows: ReviewRows, entry: Row, queue: str, position: int, at: datetime) -> None:
    rows.log(position, "INBOUND", entry["case_id"], entry["policy_key"], queue, None, at)


def _facts(entry: Row, sources: frozenset[str], reporter_kinds: frozenset[str]) -> WorkFacts:
    return WorkFacts(
        domain=entry["domain"], policy_key=entry["policy_key"], subject_kind=entry["subject_kind"],
        severity=entry["severity"], sources=sources, reporter_kinds=reporter_kinds,
        max_confidence=float(entry["max_confidence"]),
    )


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())

"""Operations figures per queue and per reviewer: backlog, oldest waiting, throughput, handling time, expiries."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from projections.sql import Sql, in_clause
from projections.values import maybe_utc


@dataclass(frozen=True)
class Figures:
    """One queue's or one reviewer's figures over a window that ends now."""

    name: str
    backlog: int
    """Queue: entries waiting. Reviewer: cases held under a live lease."""
    oldest_waiting_since: datetime | None
    inbound: int
    decided: int
    handling_seconds: tuple[float, ...]
    """Claim to decision, for the decisions their claimer made."""
    claim_expiries: int
    window: timedelta

    def per_hour(self, count: int) -> float:
        return count / (self.window.total_seconds() / 3600)

    @property
    def median_handling(self) -> float | None:
        return percentile(self.handling_seconds, 0.5)

    @property
    def p90_handling(self) -> float | None:
        return percentile(self.handling_seconds, 0.9)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile; None of nothing."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def queue_figures(sql: Sql, now: datetime, window: timedelta, domains: Collection[str] | None = None) -> list[Figures]:
    scope, params = in_clause("domain", domains)
    sql.execute(f"SELECT name FROM review_queues WHERE 1 = 1{scope} ORDER BY name", params)
    names = [r[0] for r in sql.fetchall()]
    since = now - window
    figures = []
    for name in names:
        sql.execute(
            "SELECT count(*), min(enqueued_at) FROM review_queue WHERE queue = ? AND policy_retired = ?", (name, False)
        )
        backlog, oldest = sql.fetchone() or (0, None)
        log = _log(sql, "queue", name, since)
        sql.execute("SELECT count(*) FROM review_claims WHERE queue = ? AND expires_at <= ?", (name, now))
        lapsed = _count(sql)
        figures.append(_figures(name, int(backlog), maybe_utc(oldest), log, lapsed, window))
    return figures


def reviewer_figures(
    sql: Sql, now: datetime, window: timedelta, domains: Collection[str] | None = None
) -> list[Figures]:
    """Every reviewer who held a claim or decided within the window (in the queues of `domains`, if given)."""
    since = now - window
    queues: list[str] | None = None
    if domains is not None:
        scope, params = in_clause("domain", domains)
        sql.execute(f"SELECT name FROM review_queues WHERE 1 = 1{scope}", params)
        queues = [r[0] for r in sql.fetchall()]
    of_queues, queue_params = in_clause("queue", queues)
    sql.execute(
        f"SELECT DISTINCT reviewer FROM review_log WHERE reviewer IS NOT NULL AND occurred_at >= ?{of_queues} "
        f"UNION SELECT holder FROM review_claims WHERE 1 = 1{of_queues}",
        (since, *queue_params, *queue_params),
    )
    names = sorted(r[0] for r in sql.fetchall())
    figures = []
    for name in names:
        claims = f"SELECT count(*) FROM review_claims WHERE holder = ? AND expires_at {{}} ?{of_queues}"
        sql.execute(claims.format(">"), (name, now, *queue_params))
        held = _count(sql)
        sql.execute(claims.format("<="), (name, now, *queue_params))
        lapsed = _count(sql)
        figures.append(_figures(name, held, None, _log(sql, "reviewer", name, since, queues), lapsed, window))
    return figures


def _log(sql: Sql, column: str, name: str, since: datetime, queues: list[str] | None = None) -> list[tuple[Any, ...]]:
    of_queues, params = in_clause("queue", queues)
    sql.execute(
        f"SELECT kind, handling_seconds FROM review_log WHERE {column} = ? AND occurred_at >= ?{of_queues}",
        (name, since, *params),
    )
    return sql.fetchall()


def _count(sql: Sql) -> int:
    row = sql.fetchone()
    return 0 if row is None else int(row[0])


def _figures(
    name: str, backlog: int, oldest: datetime | None, log: list[tuple[Any, ...]], lapsed: int, window: timedelta
) -> Figures:
    """Lapsed leases nobody has taken over yet count as expiries too: expiry needs no event to happen."""
    kinds = [kind for kind, _ in log]
    return Figures(
        name=name, backlog=backlog, oldest_waiting_since=oldest, inbound=kinds.count("INBOUND"),
        decided=kinds.count("DECIDED"),
        handling_seconds=tuple(float(s) for kind, s in log if kind == "DECIDED" and s is not None),
        claim_expiries=kinds.count("EXPIRED") + lapsed, window=window,
    )

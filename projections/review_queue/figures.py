"""Operations figures per queue and per reviewer: backlog, oldest waiting, throughput, handling time, expiries."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from projections.sql import Steps, in_clause, query
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


_BACKLOGS = """SELECT q.name, count(e.queue), min(e.enqueued_at) FROM review_queues q
LEFT JOIN review_queue e ON e.queue = q.name AND e.policy_retired = ?
WHERE 1 = 1{scope} GROUP BY q.name ORDER BY q.name"""
_HOLDERS = """SELECT holder, sum(CASE WHEN expires_at > ? THEN 1 ELSE 0 END),
sum(CASE WHEN expires_at <= ? THEN 1 ELSE 0 END) FROM review_claims WHERE 1 = 1{of_queues} GROUP BY holder"""
_REVIEWER_LOG = """SELECT reviewer, kind, handling_seconds FROM review_log
WHERE reviewer IS NOT NULL AND occurred_at >= ?{of_queues}"""


@query
def queue_figures(now: datetime, window: timedelta, domains: Collection[str] | None = None) -> Steps[list[Figures]]:
    """Every queue (of `domains`, if given), in name order."""
    scope, params = in_clause("q.domain", domains)
    queues = yield _BACKLOGS.format(scope=scope), (False, *params)
    of_queues, queue_params = _of_queues(domains)
    log = yield (
        f"SELECT queue, kind, handling_seconds FROM review_log WHERE occurred_at >= ?{of_queues}",
        (now - window, *queue_params),
    )
    lapsed = yield (
        f"SELECT queue, count(*) FROM review_claims WHERE expires_at <= ?{of_queues} GROUP BY queue",
        (now, *queue_params),
    )
    by_queue = _by_name(log)
    lapsed_of = {name: int(count) for name, count in lapsed}
    return [
        _figures(name, int(backlog), maybe_utc(oldest), by_queue.get(name, []), lapsed_of.get(name, 0), window)
        for name, backlog, oldest in queues
    ]


@query
def reviewer_figures(now: datetime, window: timedelta, domains: Collection[str] | None = None) -> Steps[list[Figures]]:
    """Every reviewer who held a claim or decided within the window (in the queues of `domains`, if given), in name
    order."""
    of_queues, queue_params = _of_queues(domains)
    claims = yield _HOLDERS.format(of_queues=of_queues), (now, now, *queue_params)
    log = yield _REVIEWER_LOG.format(of_queues=of_queues), (now - window, *queue_params)
    by_reviewer = _by_name(log)
    leases = {name: (int(live), int(lapsed)) for name, live, lapsed in claims}
    return [
        _figures(name, held, None, by_reviewer.get(name, []), lapsed, window)
        for name in sorted(leases.keys() | by_reviewer.keys())
        for held, lapsed in [leases.get(name, (0, 0))]
    ]


def _of_queues(domains: Collection[str] | None) -> tuple[str, list[Any]]:
    """A condition that a row's queue is one of `domains`' (nothing for None: every queue), and its parameters."""
    if domains is None:
        return "", []
    scope, params = in_clause("domain", domains)
    return f" AND queue IN (SELECT name FROM review_queues WHERE 1 = 1{scope})", params


def _by_name(log: list[tuple[Any, ...]]) -> dict[str, list[tuple[Any, ...]]]:
    """Log rows (name, kind, handling seconds) as each name's (kind, handling seconds)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for name, kind, seconds in log:
        found.setdefault(name, []).append((kind, seconds))
    return found


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

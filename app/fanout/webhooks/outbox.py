"""What `docket deliver` keeps in the database, so that killing it loses nothing: where it has read the ledger to
(`webhook_feed`), each event each endpoint is to be sent (`webhook_deliveries`), every attempt (`webhook_attempts`)
and since when an endpoint has been failing (`webhook_health`).

A delivery is PENDING until an attempt succeeds (DELIVERED) or the schedule is exhausted (DEAD: the dead-letter list,
from which `redeliver` puts it back). Of an endpoint's pending deliveries about one subject, only the oldest is tried:
a subject's events arrive in ledger order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from projections.sql import Sql, marks
from projections.values import maybe_utc, utc

FEED = "webhooks"
MAX_EXCERPT = 1_024
"""Characters of an answer's body the log keeps; a larger body is cut there."""


class DeliveryStatus(Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    DEAD = "DEAD"


DELIVERY_COLUMNS = (
    "webhook_id", "position", "event_id", "event_type", "subject_key", "status", "attempts", "failures",
    "next_attempt_at", "enqueued_at", "finished_at", "last_status_code", "last_error",
)


@dataclass(frozen=True)
class Due:
    """A delivery to try now."""

    webhook_id: str
    position: int
    event_id: str
    url: str
    attempts: int
    failures: int
    webhook_position: int
    """The position of the webhook's latest change, as the read model has it."""

    @property
    def key(self) -> tuple[str, int]:
        return (self.webhook_id, self.position)


@dataclass(frozen=True)
class Outcome:
    """One attempt, and what it leaves the delivery as."""

    webhook_id: str
    position: int
    attempt: int
    failures: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    response_excerpt: str | None
    error: str | None
    status: DeliveryStatus
    next_attempt_at: datetime | None

    @property
    def key(self) -> tuple[str, int]:
        return (self.webhook_id, self.position)

    @property
    def succeeded(self) -> bool:
        return self.status is DeliveryStatus.DELIVERED


@dataclass(frozen=True)
class Attempt:
    attempt: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    response_excerpt: str | None
    error: str | None
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class Delivery:
    webhook_id: str
    position: int
    event_id: str
    event_type: str
    subject_key: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    enqueued_at: datetime
    finished_at: datetime | None
    last_status_code: int | None
    last_error: str | None


def feed_position(sql: Sql) -> int:
    sql.execute("SELECT position FROM webhook_feed WHERE name = ?", (FEED,))
    found = sql.fetchone()
    return 0 if found is None else int(found[0])


def enqueue(sql: Sql, rows: Sequence[Sequence[object]], position: int) -> None:
    """Adds deliveries (rows of DELIVERY_COLUMNS; one already there stays as it is) and the feed's new position."""
    if rows:
        sql.insert_rows("webhook_deliveries", DELIVERY_COLUMNS, rows, "ON CONFLICT (webhook_id, position) DO NOTHING")
    sql.execute(
        "INSERT INTO webhook_feed (name, position) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
        (FEED, position),
    )


OLDER_PENDING = (
    "SELECT 1 FROM webhook_deliveries e WHERE e.status = 'PENDING' AND e.webhook_id = d.webhook_id"
    " AND e.subject_key = d.subject_key AND e.position < d.position"
)
"""An older pending delivery of `d`'s subject, which holds `d` back: one probe of `webhook_deliveries_waiting`."""
FIRST_DUE = {
    # Each enabled endpoint's pending deliveries walked in ledger order (`webhook_deliveries_pending`) until
    # `per_webhook` due ones are found: a round reads about as many as it may send, not every one waiting.
    # OFFSET 0 keeps PostgreSQL from making the NOT EXISTS an anti join, which it plans, while the table's statistics
    # lag a burst of new deliveries, as a read of the endpoint's whole pending list for each delivery walked.
    "postgres": (
        "SELECT w.webhook_id, d.position, d.event_id, w.url, d.attempts, d.failures, w.position"
        " FROM webhooks w CROSS JOIN LATERAL (SELECT d.position, d.event_id, d.attempts, d.failures"
        "  FROM webhook_deliveries d WHERE d.webhook_id = w.webhook_id AND d.status = 'PENDING'"
        f"  AND d.next_attempt_at <= ? AND NOT EXISTS ({OLDER_PENDING} OFFSET 0) ORDER BY d.position LIMIT ?) AS d"
        " WHERE w.enabled ORDER BY d.position"
    ),
    # SQLite has no LATERAL, and runs the IN list once per endpoint (PostgreSQL would run it once per delivery).
    "sqlite": (
        "SELECT w.webhook_id, o.position, o.event_id, w.url, o.attempts, o.failures, w.position"
        " FROM webhooks w JOIN webhook_deliveries o ON o.webhook_id = w.webhook_id"
        " WHERE w.enabled AND o.position IN (SELECT d.position FROM webhook_deliveries d"
        "  WHERE d.webhook_id = w.webhook_id AND d.status = 'PENDING' AND d.next_attempt_at <= ?"
        f"  AND NOT EXISTS ({OLDER_PENDING}) ORDER BY d.position LIMIT ?)"
        " ORDER BY o.position"
    ),
}


def due(sql: Sql, engine: str, now: datetime, per_webhook: int) -> tuple[list[Due], datetime | None]:
    """Up to `per_webhook` deliveries of each enabled endpoint to try now, each the oldest pending of its subject, in
    ledger order; and when the next one not yet due will be."""
    sql.execute(FIRST_DUE[engine], (now, per_webhook))
    ready = [Due(*row) for row in sql.fetchall()]
    sql.execute(
        "SELECT d.next_attempt_at FROM webhook_deliveries d JOIN webhooks w ON w.webhook_id = d.webhook_id "
        "WHERE d.status = 'PENDING' AND d.next_attempt_at > ? AND w.enabled ORDER BY d.next_attempt_at LIMIT 1",
        (now,),
    )
    found = sql.fetchone()
    return ready, None if found is None else maybe_utc(found[0])


def record(sql: Sql, outcomes: Sequence[Outcome], disable_after: timedelta) -> list[tuple[str, datetime]]:
    """Logs the attempts and moves their deliveries on; returns the endpoints failing since longer than
    `disable_after`, with since when."""
    sql.insert_rows(
        "webhook_attempts",
        ("webhook_id", "position", "attempt", "attempted_at", "status_code", "latency_ms", "response_excerpt",
         "error", "next_attempt_at"),
        [(o.webhook_id, o.position, o.attempt, o.attempted_at, o.status_code, o.latency_ms, o.response_excerpt,
          o.error, o.next_attempt_at) for o in outcomes],
        "ON CONFLICT (webhook_id, position, attempt) DO NOTHING",
    )
    sql.executemany(
        "UPDATE webhook_deliveries SET status = ?, attempts = ?, failures = ?, next_attempt_at = ?, finished_at = ?, "
        "last_status_code = ?, last_error = ? WHERE webhook_id = ? AND position = ?",
        [(o.status.value, o.attempt, o.failures, o.next_attempt_at,
          None if o.status is DeliveryStatus.PENDING else o.attempted_at, o.status_code, o.error, o.webhook_id,
          o.position) for o in outcomes],
    )
    succeeded = {o.webhook_id: o.attempted_at for o in outcomes if o.succeeded}
    failures = [o for o in outcomes if not o.succeeded and o.webhook_id not in succeeded]
    first_failed = {o.webhook_id: o.attempted_at for o in reversed(failures)}
    failed = {o.webhook_id: o.attempted_at for o in failures}
    if succeeded:
        sql.insert_rows(
            "webhook_health", ("webhook_id", "failing_since", "last_success_at"),
            [(w, None, at) for w, at in succeeded.items()],
            "ON CONFLICT (webhook_id) DO UPDATE SET failing_since = NULL, last_success_at = excluded.last_success_at",
        )
    if not failed:
        return []
    sql.insert_rows(
        "webhook_health", ("webhook_id", "failing_since", "last_success_at"),
        [(w, at, None) for w, at in first_failed.items()],
        "ON CONFLICT (webhook_id) DO UPDATE SET "
        "failing_since = COALESCE(webhook_health.failing_since, excluded.failing_since)",
    )
    ids = list(failed)
    sql.execute(
        f"SELECT webhook_id, failing_since FROM webhook_health WHERE webhook_id IN ({marks(ids)})", ids
    )
    return [(w, since) for w, since in ((r[0], utc(r[1])) for r in sql.fetchall())
            if failed[w] - since >= disable_after]


def forget_failing(sql: Sql, webhook_id: str) -> None:
    """An endpoint disabled for failing starts afresh once enabled again."""
    sql.execute("UPDATE webhook_health SET failing_since = NULL WHERE webhook_id = ?", (webhook_id,))


def redeliver(sql: Sql, webhook_id: str, positions: Sequence[int] | None, now: datetime) -> int:
    """Puts dead-lettered deliveries of an endpoint (those at `positions`, or all) back to be tried now, with the
    whole schedule ahead of them; returns how many."""
    condition = "webhook_id = ? AND status = 'DEAD'"
    params: list[object] = [now, webhook_id]
    if positions is not None:
        if not positions:
            return 0
        condition += f" AND position IN ({marks(positions)})"
        params += list(positions)
    sql.execute(f"SELECT COUNT(*) FROM webhook_deliveries WHERE {condition}", params[1:])
    found = sql.fetchone()
    sql.execute(
        f"UPDATE webhook_deliveries SET status = 'PENDING', failures = 0, next_attempt_at = ?, finished_at = NULL "
        f"WHERE {condition}",
        params,
    )
    return 0 if found is None else int(found[0])


def deliveries(
    sql: Sql, webhook_id: str, status: DeliveryStatus | None, after: int, first: int
) -> list[Delivery]:
    """A page of an endpoint's deliveries in ledger order, after position `after`."""
    condition = "webhook_id = ? AND position > ?"
    params: list[object] = [webhook_id, after]
    if status is not None:
        condition += " AND status = ?"
        params.append(status.value)
    sql.execute(
        "SELECT position, event_id, event_type, subject_key, status, attempts, next_attempt_at, enqueued_at, "
        f"finished_at, last_status_code, last_error FROM webhook_deliveries WHERE {condition} "
        "ORDER BY position LIMIT ?",
        [*params, first],
    )
    return [
        Delivery(webhook_id, r[0], r[1], r[2], r[3], DeliveryStatus(r[4]), r[5], maybe_utc(r[6]), utc(r[7]),
                 maybe_utc(r[8]), r[9], r[10])
        for r in sql.fetchall()
    ]


def attempts_of(sql: Sql, webhook_id: str, positions: Sequence[int]) -> dict[int, list[Attempt]]:
    """Every attempt of the deliveries at `positions`, in order."""
    if not positions:
        return {}
    sql.execute(
        "SELECT position, attempt, attempted_at, status_code, latency_ms, response_excerpt, error, next_attempt_at "
        f"FROM webhook_attempts WHERE webhook_id = ? AND position IN ({marks(positions)}) ORDER BY position, attempt",
        [webhook_id, *positions],
    )
    found: dict[int, list[Attempt]] = {}
    for r in sql.fetchall():
        found.setdefault(r[0], []).append(Attempt(r[1], utc(r[2]), r[3], r[4], r[5], r[6], maybe_utc(r[7])))
    return found

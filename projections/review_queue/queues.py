"""Reads of named queues: their entries in priority order, what a reviewer may claim next, claims, notes, routing."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from projections.review_queue.queries import ENTRY_COLUMNS, entry_row
from projections.review_queue.rows import ClaimRow, NoteRow, QueueEntryRow, QueueRow
from projections.sql import Sql, Steps, first, grouped, in_clause, marks, query
from projections.values import utc

PRIORITY_SCORE = """(severity_rank * 10000 + reporter_rank * 1000 + max_confidence * 500
+ CASE WHEN detections + reports > 50 THEN 50 ELSE detections + reports END * 10)"""
"""Severity outweighs everything else; then an authority's or a trusted flagger's notice (DSA Art. 22 gives
these priority); then the evidence: the most confident detection (up to 500) and the number of reports and
detections (10 each, up to 500), so that twenty reports weigh like a 0.4-confident classifier."""
IN_QUEUE_ORDER = f"priority DESC, {PRIORITY_SCORE} DESC, oldest_detected_at, case_id, policy_key"
"""Within a queue: the explicit override, then the score, then the longest waiting."""


def claim_candidates(sql: Sql, queue: str, reviewer: str, now: datetime, limit: int) -> list[QueueEntryRow]:
    """The entries of `queue` nobody holds at `now` and `reviewer` has not skipped, highest priority first."""
    sql.execute(
        f"SELECT {ENTRY_COLUMNS} FROM review_queue q WHERE queue = ? AND policy_retired = ? "
        "AND NOT EXISTS (SELECT 1 FROM review_claims c WHERE c.case_id = q.case_id AND c.expires_at > ?) "
        "AND NOT EXISTS (SELECT 1 FROM review_skips s WHERE s.case_id = q.case_id AND s.policy_key = q.policy_key "
        f"AND s.reviewer = ?) ORDER BY {IN_QUEUE_ORDER} LIMIT ?",
        (queue, False, now, reviewer, limit),
    )
    return [entry_row(r) for r in sql.fetchall()]


@query
def queue_entries(queue: str, offset: int, limit: int) -> Steps[list[QueueEntryRow]]:
    """A queue's entries, claimed or not, in the order reviewers get them."""
    rows = yield (
        (f"SELECT {ENTRY_COLUMNS} FROM review_queue WHERE queue = ? AND policy_retired = ? "
        f"ORDER BY {IN_QUEUE_ORDER} LIMIT ? OFFSET ?"),
        (queue, False, limit, offset),
    )
    return [entry_row(r) for r in rows]


@query
def list_queues(domains: Collection[str] | None = None) -> Steps[list[QueueRow]]:
    scope, params = in_clause("domain", domains)
    rows = yield (
        (f"SELECT name, domain, description, created_at, created_by, position FROM review_queues WHERE 1 = 1{scope} "
        "ORDER BY name"),
        params,
    )
    return [_queue(r) for r in rows]


@query
def find_queue(name: str) -> Steps[QueueRow | None]:
    rows = yield (
        "SELECT name, domain, description, created_at, created_by, position FROM review_queues WHERE name = ?", (name,)
    )
    r = first(rows)
    return None if r is None else _queue(r)


@query
def case_claims(case_ids: Sequence[str]) -> Steps[dict[str, ClaimRow]]:
    """Each case's latest claim as recorded (none for an unclaimed case); whether its lease still runs is the
    reader's clock's call."""
    rows = yield (
        ("SELECT case_id, queue, policy_key, holder, claimed_at, expires_at FROM review_claims "
        f"WHERE case_id IN ({marks(case_ids)})"),
        tuple(case_ids),
    )
    return {row.case_id: row for row in map(_claim, rows)}


@query
def case_entries(case_ids: Sequence[str]) -> Steps[dict[str, list[QueueEntryRow]]]:
    """Each case's work waiting for review, one entry per policy."""
    rows = yield (
        f"SELECT {ENTRY_COLUMNS} FROM review_queue WHERE case_id IN ({marks(case_ids)}) ORDER BY case_id, policy_key",
        tuple(case_ids),
    )
    return grouped(case_ids, [(row.case_id, row) for row in map(entry_row, rows)])


@query
def case_notes(case_ids: Sequence[str]) -> Steps[dict[str, list[NoteRow]]]:
    """Each case's notes, escalations and priority overrides, in ledger order."""
    rows = yield (
        ("SELECT case_id, position, policy_key, kind, note, queue, priority, actor, occurred_at FROM review_notes "
        f"WHERE case_id IN ({marks(case_ids)}) ORDER BY position"),
        tuple(case_ids),
    )
    return grouped(case_ids, [
        (r[0], NoteRow(position=int(r[1]), policy_key=r[2], kind=r[3], note=r[4], queue=r[5], priority=r[6],
                       actor=r[7], occurred_at=utc(r[8])))
        for r in rows
    ])


def _queue(r: tuple[Any, ...]) -> QueueRow:
    return QueueRow(name=r[0], domain=r[1], description=r[2], created_at=utc(r[3]), created_by=r[4],
                    position=int(r[5]))


def _claim(r: tuple[Any, ...]) -> ClaimRow:
    return ClaimRow(case_id=r[0], queue=r[1], policy_key=r[2], holder=r[3], claimed_at=utc(r[4]),
                    expires_at=utc(r[5]))

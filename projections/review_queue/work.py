"""The review queue's human side: reports waiting, queues, claims, skips, escalations, notes and the work log."""

from __future__ import annotations

from typing import Any

from domain.case import Case
from domain.claims import ReleaseReason
from domain.queue import Queue
from domain.report import Report, ReporterKind
from domain.routing import Routing
from projections.base import started
from projections.review_queue.routing import (
    add_signal,
    log,
    move,
    reroute_all,
    save_table,
)
from projections.review_queue.rows import queue_row
from projections.sql import Sql
from projections.values import utc

_REPORTED = """
INSERT INTO review_queue (case_id, policy_key, domain, subject_kind, subject_id, account_id, severity, severity_rank,
                          policy_retired, max_confidence, detections, oldest_detected_at, enqueued_at, position,
                          reports, reporter_rank, reporter_kinds)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, 1, ?, ?)
ON CONFLICT (case_id, policy_key) DO UPDATE SET
    account_id = COALESCE(review_queue.account_id, excluded.account_id),
    reports = review_queue.reports + 1,
    reporter_rank = CASE WHEN excluded.reporter_rank > review_queue.reporter_rank
                         THEN excluded.reporter_rank ELSE review_queue.reporter_rank END,
    position = excluded.position
"""
_QUEUE = """
INSERT INTO review_queues (name, domain, description, created_at, created_by, position) VALUES (?, ?, ?, ?, ?, ?)
"""
_CLAIM = """
INSERT INTO review_claims (case_id, queue, policy_key, holder, claimed_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (case_id) DO UPDATE SET queue = excluded.queue, policy_key = excluded.policy_key,
    holder = excluded.holder, claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
"""
_NOTE = """
INSERT INTO review_notes (position, case_id, policy_key, kind, note, queue, priority, actor, occurred_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

EVENT_TYPES = (
    Report.Submitted, Queue.Created, Queue.Updated, Routing.Changed, Case.Claimed, Case.ClaimRenewed, Case.Released,
    Case.Escalated, Case.NoteAdded, Case.Prioritized,
)


def apply_review(event: Any, position: int, sql: Sql) -> None:
    """Applies one of EVENT_TYPES."""
    case_id = str(event.originator_id)
    at = event.occurred_at
    if isinstance(event, Report.Submitted):
        _reported(event, position, sql)
    elif isinstance(event, Queue.Created):
        row = queue_row(started(Queue, event), position)
        sql.execute(_QUEUE, (row.name, row.domain, row.description, row.created_at, row.created_by, row.position))
    elif isinstance(event, Queue.Updated):
        sql.execute(
            "UPDATE review_queues SET domain = ?, description = ?, position = ? WHERE name = ?",
            (event.domain, event.description, position, event.name),
        )
    elif isinstance(event, Routing.Changed):
        save_table(sql, tuple(event.rules), event.default_queue, event.actor, at)
        reroute_all(sql, position, at)
    elif isinstance(event, Case.Claimed):
        sql.execute(_CLAIM, (case_id, event.queue, event.policy_key, event.actor, at, event.expires_at))
    elif isinstance(event, Case.ClaimRenewed):
        sql.execute("UPDATE review_claims SET expires_at = ? WHERE case_id = ?", (event.expires_at, case_id))
    elif isinstance(event, Case.Released):
        _released(event, position, sql)
    elif isinstance(event, Case.Escalated):
        move(sql, case_id, event.policy_key, event.queue, position, at)
        sql.execute(
            "UPDATE review_queue SET escalated = ? WHERE case_id = ? AND policy_key = ?",
            (True, case_id, event.policy_key),
        )
        sql.execute(_NOTE, (position, case_id, event.policy_key, "ESCALATION", event.note, event.queue, None,
                            event.actor, at))
    elif isinstance(event, Case.NoteAdded):
        sql.execute(_NOTE, (position, case_id, event.policy_key, "NOTE", event.note, None, None, event.actor, at))
    elif isinstance(event, Case.Prioritized):
        sql.execute(
            "UPDATE review_queue SET priority = ? WHERE case_id = ? AND policy_key = ?",
            (event.priority, case_id, event.policy_key),
        )
        sql.execute(_NOTE, (position, case_id, event.policy_key, "PRIORITY", event.reason, None, event.priority,
                            event.actor, at))


def decided(event: Case.Decided, position: int, sql: Sql) -> None:
    """Logs the decision against the queue it was waiting in, with its handling time when its claimer decided."""
    case_id = str(event.originator_id)
    policy_key = event.decision.policy_key
    sql.execute("SELECT queue FROM review_queue WHERE case_id = ? AND policy_key = ?", (case_id, policy_key))
    entry = sql.fetchone()
    sql.execute("SELECT queue, holder, claimed_at FROM review_claims WHERE case_id = ? AND policy_key = ?",
                (case_id, policy_key))
    claim = sql.fetchone()
    sql.execute("DELETE FROM review_skips WHERE case_id = ? AND policy_key = ?", (case_id, policy_key))
    handling = None
    queue = None if entry is None else entry[0]
    if claim is not None and claim[1] == event.actor:
        queue = claim[0]
        handling = (event.occurred_at - utc(claim[2])).total_seconds()
    if queue is not None:
        log(sql, position, "DECIDED", case_id, policy_key, queue, event.actor, event.occurred_at, handling)


def _reported(event: Report.Submitted, position: int, sql: Sql) -> None:
    subject = event.subject
    case_id = str(event.case_id)
    sql.execute(
        "SELECT severity, severity_rank, retired FROM review_policies WHERE domain = ? AND policy_key = ?",
        (subject.domain, event.policy_key),
    )
    policy = sql.fetchone()
    assert policy is not None, f"report {event.originator_id} names a policy the ledger never published"
    kind = ReporterKind(event.reporter_kind)
    sql.execute(
        _REPORTED,
        (
            case_id, event.policy_key, subject.domain, subject.kind, subject.id, event.account_id, policy[0],
            policy[1], bool(policy[2]), event.occurred_at, event.occurred_at, position, kind.rank, str(kind),
        ),
    )
    add_signal(sql, case_id, event.policy_key, position, event.occurred_at, reporter_kind=str(kind))


def _released(event: Case.Released, position: int, sql: Sql) -> None:
    case_id = str(event.originator_id)
    sql.execute("SELECT queue, policy_key FROM review_claims WHERE case_id = ?", (case_id,))
    claim = sql.fetchone()
    sql.execute("DELETE FROM review_claims WHERE case_id = ?", (case_id,))
    if claim is None:
        return
    reason = ReleaseReason(event.reason)
    if reason is ReleaseReason.SKIPPED:
        sql.execute(
            "INSERT INTO review_skips (case_id, policy_key, reviewer) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (case_id, claim[1], event.holder),
        )
    elif reason is ReleaseReason.EXPIRED:
        log(sql, position, "EXPIRED", case_id, claim[1], claim[0], event.holder, event.occurred_at, None)

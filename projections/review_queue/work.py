"""The review queue's human side: reports waiting, queues, claims, skips, escalations, notes and the work log."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from domain.case import Case
from domain.claims import ReleaseReason
from domain.queue import Queue
from domain.report import Report, ReporterKind
from domain.routing import Routing
from projections.base import started
from projections.batch import Key
from projections.review_queue.routing import add_signal, move, reroute_all, table_row
from projections.review_queue.rows import queue_row
from projections.review_queue.tables import ReviewRows, entry_key, first_known, waiting
from projections.values import uuid_text

EVENT_TYPES = (
    Report.Submitted, Queue.Created, Queue.Updated, Routing.Changed, Case.Claimed, Case.ClaimRenewed, Case.Released,
    Case.Escalated, Case.NoteAdded, Case.Prioritized,
)


def apply_review(rows: ReviewRows, event: Any, position: int) -> None:
    """Applies one of EVENT_TYPES."""
    case_id = uuid_text(event.originator_id)
    at = event.occurred_at
    if isinstance(event, Report.Submitted):
        _reported(rows, event, position)
    elif isinstance(event, Queue.Created):
        rows.queues.add(asdict(queue_row(started(Queue, event), position)))
    elif isinstance(event, Queue.Updated):
        queue = rows.queues.get((event.name,))
        if queue is not None:
            rows.queues.put(queue | {"domain": event.domain, "description": event.description, "position": position})
    elif isinstance(event, Routing.Changed):
        rows.routing.put(table_row(tuple(event.rules), event.default_queue, event.actor, at))
        reroute_all(rows, position, at)
    elif isinstance(event, Case.Claimed):
        rows.claims.put({
            "case_id": case_id, "queue": event.queue, "policy_key": event.policy_key, "holder": event.actor,
            "claimed_at": at, "expires_at": event.expires_at,
        })
    elif isinstance(event, Case.ClaimRenewed):
        claim = rows.claims.get((case_id,))
        if claim is not None:
            rows.claims.put(claim | {"expires_at": event.expires_at})
    elif isinstance(event, Case.Released):
        _released(rows, event, position)
    elif isinstance(event, Case.Escalated):
        entry = rows.entries.get(entry_key(event))
        if entry is not None:
            move(rows, entry | {"escalated": True}, event.queue, position, at)
        rows.note(position, event, "ESCALATION", event.note, queue=event.queue)
    elif isinstance(event, Case.NoteAdded):
        rows.note(position, event, "NOTE", event.note)
    elif isinstance(event, Case.Prioritized):
        entry = rows.entries.get(entry_key(event))
        if entry is not None:
            rows.entries.put(entry | {"priority": event.priority})
        rows.note(position, event, "PRIORITY", event.reason, priority=event.priority)


def decided(rows: ReviewRows, event: Case.Decided, position: int, key: Key) -> None:
    """Logs the decision against the queue it was waiting in (`key`: its `entry_key`), with its handling time when
    its claimer decided."""
    case_id, policy_key = key
    entry = rows.entries.get((case_id, policy_key))
    claim = rows.claims.get((case_id,))
    rows.skips.clear(case_id, policy_key)
    handling = None
    queue = None if entry is None else entry["queue"]
    if claim is not None and claim["policy_key"] == policy_key and claim["holder"] == event.actor:
        queue = claim["queue"]
        handling = (event.occurred_at - claim["claimed_at"]).total_seconds()
    if queue is not None:
        rows.log(position, "DECIDED", case_id, policy_key, queue, event.actor, event.occurred_at, handling)


def _reported(rows: ReviewRows, event: Report.Submitted, position: int) -> None:
    subject = event.subject
    policy = rows.policies.get((subject.domain, event.policy_key))
    assert policy is not None, f"report {event.originator_id} names a policy the ledger never published"
    kind = ReporterKind(event.reporter_kind)
    key = entry_key(event)
    entry = rows.entries.get(key)
    if entry is None:
        entry = waiting(key, subject, event.account_id, policy, position, event.occurred_at) | {
            "reports": 1, "reporter_rank": kind.rank, "reporter_kinds": str(kind),
        }
    else:
        entry = entry | {
            "account_id": first_known(entry["account_id"], event.account_id), "reports": entry["reports"] + 1,
            "reporter_rank": max(entry["reporter_rank"], kind.rank), "position": position,
        }
    rows.entries.put(entry)
    add_signal(rows, entry, position, event.occurred_at, reporter_kind=str(kind))


def _released(rows: ReviewRows, event: Case.Released, position: int) -> None:
    case_id = uuid_text(event.originator_id)
    claim = rows.claims.get((case_id,))
    if claim is None:
        return
    rows.claims.delete((case_id,))
    reason = ReleaseReason(event.reason)
    if reason is ReleaseReason.SKIPPED:
        rows.skips.add(case_id, claim["policy_key"], event.holder)
    elif reason is ReleaseReason.EXPIRED:
        rows.log(position, "EXPIRED", case_id, claim["policy_key"], claim["queue"], event.holder, event.occurred_at)

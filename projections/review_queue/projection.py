"""Keeps the review queue: a detection queues its case and policy unless a decision answers it; a report always."""

from __future__ import annotations

from typing import Any

from domain.case import Case
from domain.detection import Detection
from domain.policy import Policy
from domain.values import Severity
from projections.base import EventAtATime
from projections.review_queue import work
from projections.review_queue.routing import add_signal, reroute_all
from projections.sql import Sql

SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}
"""Higher is reviewed first."""

_PUBLISH = """
INSERT INTO review_policies (policy_id, domain, policy_key, severity, severity_rank, retired)
VALUES (?, ?, ?, ?, ?, ?)
"""
_ENQUEUE = """
INSERT INTO review_queue (case_id, policy_key, domain, subject_kind, subject_id, account_id, severity, severity_rank,
                          policy_retired, max_confidence, detections, oldest_detected_at, enqueued_at, position)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
ON CONFLICT (case_id, policy_key) DO UPDATE SET
    account_id = COALESCE(review_queue.account_id, excluded.account_id),
    max_confidence = CASE WHEN excluded.max_confidence > review_queue.max_confidence
                          THEN excluded.max_confidence ELSE review_queue.max_confidence END,
    detections = review_queue.detections + 1,
    oldest_detected_at = CASE WHEN excluded.oldest_detected_at < review_queue.oldest_detected_at
                              THEN excluded.oldest_detected_at ELSE review_queue.oldest_detected_at END,
    position = excluded.position
"""
_POLICY_AND_DECISION = """
SELECT p.severity, p.severity_rank, p.retired, d.live_decision_id
FROM review_policies p LEFT JOIN review_decided d ON d.case_id = ? AND d.policy_key = p.policy_key
WHERE p.domain = ? AND p.policy_key = ?
"""
_DECIDED = """
INSERT INTO review_decided (case_id, policy_key, live_decision_id) VALUES (?, ?, ?)
ON CONFLICT (case_id, policy_key) DO UPDATE SET live_decision_id = excluded.live_decision_id
"""


class ReviewQueueProjection(EventAtATime):
    """A case and policy is queued by its first detection while no decision is live under the policy.

    A decision takes it off the queue; a later detection under the same policy does not bring it
    back while that decision stays live. Once the decision's actions are reversed (an overturned
    appeal), the policy is undecided again and the next detection queues it anew. Entries under a
    retired policy stay in the table but out of the queue, since that policy takes no decisions.
    A report queues its case and policy even while a decision is live: every notice is answered.
    Each entry is routed to a named queue (see `routing`); claims, skips, escalations, notes and the
    work log behind the operations figures are kept beside it (see `work`).
    """

    name = "review_queue"
    weight = 60
    tables = (
        "review_policies", "review_decided", "review_queue", "review_queues", "review_routing", "review_claims",
        "review_skips", "review_notes", "review_log",
    )
    event_types = (
        Policy.Published,
        Policy.Revised,
        Policy.Retired,
        Detection.Recorded,
        Case.Decided,
        Case.ActionsReversed,
        *work.EVENT_TYPES,
    )

    def apply(self, event: Any, position: int, sql: Sql) -> None:
        if isinstance(event, work.EVENT_TYPES):
            work.apply_review(event, position, sql)
        elif isinstance(event, Detection.Recorded):
            _detected(event, position, sql)
        elif isinstance(event, Case.Decided):
            case_id = str(event.originator_id)
            d = event.decision
            work.decided(event, position, sql)
            sql.execute("DELETE FROM review_queue WHERE case_id = ? AND policy_key = ?", (case_id, d.policy_key))
            sql.execute(_DECIDED, (case_id, d.policy_key, str(d.decision_id)))
        elif isinstance(event, Case.ActionsReversed):
            sql.execute(
                "UPDATE review_decided SET live_decision_id = NULL WHERE case_id = ? AND live_decision_id = ?",
                (str(event.originator_id), str(event.decision_id)),
            )
        elif isinstance(event, Policy.Published):
            severity = Severity(event.terms.severity)
            sql.execute(
                _PUBLISH,
                (str(event.originator_id), event.domain, event.key, str(severity), SEVERITY_RANK[severity], False),
            )
        elif isinstance(event, Policy.Revised):
            severity = Severity(event.terms.severity)
            _policy_changed(sql, str(event.originator_id), str(severity), SEVERITY_RANK[severity], False)
            reroute_all(sql, position, event.occurred_at)
        elif isinstance(event, Policy.Retired):
            _policy_changed(sql, str(event.originator_id), None, None, True)


def _detected(event: Detection.Recorded, position: int, sql: Sql) -> None:
    facts = event.facts
    subject = facts.subject
    case_id = str(Case.create_id(subject))
    sql.execute(_POLICY_AND_DECISION, (case_id, subject.domain, facts.policy_key))
    policy = sql.fetchone()
    assert policy is not None, f"detection {event.originator_id} names a policy the ledger never published"
    if policy[3] is not None:  # a live decision answers this policy
        return
    sql.execute(
        _ENQUEUE,
        (
            case_id, facts.policy_key, subject.domain, subject.kind, subject.id, facts.account_id, policy[0],
            policy[1], bool(policy[2]), float(facts.confidence), facts.detected_at, event.occurred_at, position,
        ),
    )
    add_signal(sql, case_id, facts.policy_key, position, event.occurred_at, source=str(facts.source))


def _policy_changed(sql: Sql, policy_id: str, severity: str | None, rank: int | None, retired: bool) -> None:
    """A revision sets the severity (and makes the policy live again); a retirement only retires it."""
    if severity is None:
        sql.execute("UPDATE review_policies SET retired = ? WHERE policy_id = ?", (retired, policy_id))
    else:
        sql.execute(
            "UPDATE review_policies SET severity = ?, severity_rank = ?, retired = ? WHERE policy_id = ?",
            (severity, rank, retired, policy_id),
        )
    sql.execute("SELECT domain, policy_key, severity, severity_rank FROM review_policies WHERE policy_id = ?",
                (policy_id,))
    row = sql.fetchone()
    assert row is not None, f"policy {policy_id} changed before it was published"
    sql.execute(
        "UPDATE review_queue SET severity = ?, severity_rank = ?, policy_retired = ? "
        "WHERE domain = ? AND policy_key = ?",
        (row[2], row[3], retired, row[0], row[1]),
    )

"""Keeps the review queue: a detection queues its case and policy unless a decision answers it; a report always."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.breaker import QaSample
from domain.case import Case
from domain.detection import Detection
from domain.policy import Policy
from domain.values import Severity
from projections.base import Projection
from projections.batch import Batch, Key, Row
from projections.review_queue import work
from projections.review_queue.routing import add_signal, reroute_all
from projections.review_queue.tables import ReviewRows, waiting
from projections.sql import Sql
from projections.values import uuid_text

SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}
"""Higher is reviewed first."""


class ReviewQueueProjection(Projection):
    """A case and policy is queued by its first detection while no decision is live under the policy.

    A decision takes it off the queue; a later detection under the same policy does not bring it
    back while that decision stays live. Once the decision's actions are reversed (an overturned
    appeal), the policy is undecided again and the next detection queues it anew. Entries under a
    retired policy stay in the table but out of the queue, since that policy takes no decisions.
    A report queues its case and policy even while a decision is live: every notice is answered.
    Each entry is routed to a named queue (see `routing`); claims, skips, escalations, notes and the
    work log behind the operations figures are kept beside it (see `work`).

    A batch reads the rows its events name once per table and writes each table once (see `tables`); only
    the rare events that change many entries (a policy revised or retired, a new routing table) and a
    decision's reversal read more as they come.
    """

    name = "review_queue"
    weight = 25
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
        QaSample.Drawn,
        *work.EVENT_TYPES,
    )

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        rows = ReviewRows(sql)
        keys = rows.fetch(events)
        for (position, event), key in zip(events, keys, strict=True):
            _apply(rows, event, position, key)
        rows.write()


def _apply(rows: ReviewRows, event: Any, position: int, key: Any) -> None:
    """Applies `event` at `position`; `key` is its `entry_key`, if it has one."""
    apply = _APPLY.get(type(event))
    if apply is not None:  # an event of another read model's changes nothing here
        apply(rows, event, position, key)


def _decided(rows: ReviewRows, event: Case.Decided, position: int, key: Key) -> None:
    work.decided(rows, event, position, key)
    if rows.entries.get(key) is not None:
        rows.entries.delete(key)
    rows.decided.put({
        "case_id": key[0], "policy_key": key[1], "live_decision_id": uuid_text(event.decision.decision_id),
    })


def _reversed(rows: ReviewRows, event: Case.ActionsReversed, position: int, key: None) -> None:
    live = (uuid_text(event.originator_id), uuid_text(event.decision_id))
    for decided in rows.decided.fetch_where(rows.sql, ("case_id", "live_decision_id"), [live]):
        rows.decided.put(decided | {"live_decision_id": None})


def _published(rows: ReviewRows, event: Policy.Published, position: int, key: None) -> None:
    severity = Severity(event.terms.severity)
    rows.policies.add({
        "policy_id": uuid_text(event.originator_id), "domain": event.domain, "policy_key": event.key,
        "severity": str(severity), "severity_rank": SEVERITY_RANK[severity], "retired": False,
    })


def _revised(rows: ReviewRows, event: Policy.Revised, position: int, key: None) -> None:
    severity = Severity(event.terms.severity)
    _policy_changed(rows, uuid_text(event.originator_id), {
        "severity": str(severity), "severity_rank": SEVERITY_RANK[severity], "retired": False,
    })
    reroute_all(rows, position, event.occurred_at)


def _retired(rows: ReviewRows, event: Policy.Retired, position: int, key: None) -> None:
    _policy_changed(rows, uuid_text(event.originator_id), {"retired": True})


def _detected(rows: ReviewRows, event: Detection.Recorded, position: int, key: Key) -> None:
    facts = event.facts
    if not facts.for_review:  # a verdict recorded in SHADOW asks no one
        return
    subject = facts.subject
    policy = rows.policies.get((subject.domain, facts.policy_key))
    assert policy is not None, f"detection {event.originator_id} names a policy the ledger never published"
    decided = rows.decided.get(key)
    if decided is not None and decided["live_decision_id"] is not None:  # a live decision answers this policy
        return
    entry = rows.entries.get(key)
    confidence = float(facts.confidence)
    if entry is None:
        entry = waiting(key, subject, facts.account_id, policy, position, event.occurred_at)
        entry["max_confidence"], entry["detections"], entry["oldest_detected_at"] = confidence, 1, facts.detected_at
    else:
        # Changed in place, not copied: the row is the batch's own until written (an entry gathers many detections).
        if entry["account_id"] is None:
            entry["account_id"] = facts.account_id
        if confidence > entry["max_confidence"]:
            entry["max_confidence"] = confidence
        if facts.detected_at < entry["oldest_detected_at"]:
            entry["oldest_detected_at"] = facts.detected_at
        entry["detections"] += 1
        entry["position"] = position
    rows.entries.put(entry)
    add_signal(rows, entry, position, event.occurred_at, source=str(facts.source))


def _sampled(rows: ReviewRows, event: QaSample.Drawn, position: int, key: Key) -> None:
    """An automated decision drawn for QA queues its case and policy, though a decision is live, as an entry with no
    signal of where it came from: the reviewer decides it afresh, not told that a machine decided it."""
    policy = rows.policies.get((event.subject.domain, event.policy_key))
    assert policy is not None, f"QA sample {event.originator_id} names a policy the ledger never published"
    if rows.entries.get(key) is None:
        entry = waiting(key, event.subject, event.account_id, policy, position, event.occurred_at)
        rows.entries.put(entry)
        add_signal(rows, entry, position, event.occurred_at)


def _policy_changed(rows: ReviewRows, policy_id: str, changes: Row) -> None:
    """A revision sets the severity (and makes the policy live again); a retirement only retires it. Either
    reaches every entry under the policy (a rare event: reads them all)."""
    found = rows.policies.fetch_where(rows.sql, ("policy_id",), [(policy_id,)])
    assert found, f"policy {policy_id} changed before it was published"
    policy = found[0] | changes
    rows.policies.put(policy)
    under = rows.entries.fetch_where(rows.sql, ("domain", "policy_key"), [(policy["domain"], policy["policy_key"])])
    for entry in under:
        rows.entries.put(entry | {
            "severity": policy["severity"], "severity_rank": policy["severity_rank"],
            "policy_retired": policy["retired"],
        })


_APPLY: dict[type, Callable[[ReviewRows, Any, int, Any], None]] = {
    Detection.Recorded: _detected,
    **dict.fromkeys(work.EVENT_TYPES, lambda rows, event, position, key: work.apply_review(rows, event, position)),
    QaSample.Drawn: _sampled,
    Case.Decided: _decided,
    Case.ActionsReversed: _reversed,
    Policy.Published: _published,
    Policy.Revised: _revised,
    Policy.Retired: _retired,
}
"""How the queue applies each type of event."""

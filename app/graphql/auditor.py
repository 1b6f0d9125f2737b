"""What the auditor-facing queries need beyond the read models: filters, queue cursors, the ledger by position.

`events(filter:)`, `case(asOf:)`, `reviewQueue` and `auditTrail` resolve through these.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import weakref
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from graphql import GraphQLError

from app.graphql.errors import bad_input
from app.runtime.wiring import Runtime
from app.write.ledger import Ledger, StoredEvent
from domain.errors import ValidationError
from domain.values import Subject, check_identifier, check_name
from projections.account_standing.queries import find_strikes
from projections.audit_trail.projection import event_type_names
from projections.audit_trail.queries import positions
from projections.audit_trail.rows import EventQuery
from projections.case_status.as_of import case_as_of, strike_as_of
from projections.case_status.queries import case_decisions, case_detections, find_case
from projections.case_status.rows import CaseRow, DecisionRow, DetectionRow
from projections.review_queue.rows import QueueKey

MAX_FILTER_VALUES = 50
_GAP = 16
"""Positions closer than this are read from the ledger in one range rather than one read each."""
_CURSOR_TAG = "rq1"
_MAX_CURSOR = 1024

# Filters.


def event_query(
    domains: Sequence[str] | None,
    event_types: Sequence[str] | None,
    account_id: str | None,
    subject: Subject | None,
    actor: str | None,
    occurred_from: datetime | None,
    occurred_to: datetime | None,
) -> EventQuery:
    """An EventFilter's fields as an index query, or BAD_USER_INPUT naming the field at fault."""
    if domains is not None:
        _some("domains", domains)
        for domain in domains:
            _valid("filter.domains", check_name, domain, "domains")
    if event_types is not None:
        _some("eventTypes", event_types)
        known = event_type_names()
        unknown = sorted(set(event_types) - known)
        if unknown:
            raise bad_input(
                f"eventTypes: {', '.join(map(repr, unknown))} is not an event type; known: {', '.join(sorted(known))}",
                "filter.eventTypes",
            )
    if account_id is not None:
        _valid("filter.accountId", check_identifier, account_id, "accountId")
    if subject is not None:
        _valid("filter.subject", subject.validate)
    if actor is not None:
        _valid("filter.actor", check_identifier, actor, "actor")
    for name, value in (("from", occurred_from), ("to", occurred_to)):
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise bad_input(f"{name} must carry a time zone", f"filter.{name}")
    if occurred_from is not None and occurred_to is not None and occurred_from > occurred_to:
        raise bad_input("from must not be after to", "filter.from")
    return EventQuery(
        domains=None if domains is None else tuple(dict.fromkeys(domains)),
        types=None if event_types is None else tuple(dict.fromkeys(event_types)),
        account_id=account_id,
        subject_key=None if subject is None else subject.key,
        actor=actor,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )


def _some(name: str, values: Sequence[str]) -> None:
    if not 1 <= len(values) <= MAX_FILTER_VALUES:
        raise bad_input(f"{name} must name between 1 and {MAX_FILTER_VALUES} values", f"filter.{name}")


def _valid(argument: str, check: Callable[..., object], *args: Any) -> None:
    try:
        check(*args)
    except ValidationError as error:
        raise bad_input(error.message, argument) from None


def valid_subject(subject: Subject, argument: str) -> Subject:
    try:
        return subject.validate()
    except ValidationError as error:
        raise bad_input(error.message, argument) from None


# The ledger by position.


def filtered_events(runtime: Runtime, query: EventQuery, after: int, limit: int) -> list[StoredEvent]:
    """The events `query` selects after `after`, in ledger order, as far as the event index has reached."""
    with runtime.store.transaction(write=False) as sql:
        wanted = positions(sql, query, after, limit)
    return read_events_at(runtime.ledger, wanted)


def read_events_at(ledger: Ledger, wanted: Sequence[int]) -> list[StoredEvent]:
    """The events at the given ascending positions, read in ranges through the recorder's own API."""
    found: list[StoredEvent] = []
    for group in _groups(wanted):
        keep = set(group)
        span = group[-1] - group[0] + 1
        notifications = ledger.recorder.select_notifications(start=group[0], limit=span, stop=group[-1])
        found += [StoredEvent(n.id, ledger.mapper.to_domain_event(n)) for n in notifications if n.id in keep]
    missing = set(wanted) - {s.position for s in found}
    assert not missing, f"the event index names positions the ledger does not hold: {sorted(missing)[:5]}"
    return found


def _groups(wanted: Sequence[int]) -> list[list[int]]:
    groups: list[list[int]] = []
    for position in wanted:
        if groups and position - groups[-1][-1] <= _GAP:
            groups[-1].append(position)
        else:
            groups.append([position])
    return groups


_BEGAN: weakref.WeakKeyDictionary[Ledger, datetime] = weakref.WeakKeyDictionary()


def ledger_began(ledger: Ledger) -> datetime | None:
    """When the ledger's first event occurred; None while it is empty. The first event never changes."""
    began = _BEGAN.get(ledger)
    if began is None:
        first = ledger.read_events(0, 1)
        if not first:
            return None
        began = _BEGAN[ledger] = first[0].event.occurred_at
    return began


# Cases as of a moment.


def load_case_as_of(
    runtime: Runtime, subject: Subject, at: datetime
) -> tuple[CaseRow, list[DetectionRow], list[DecisionRow], dict[str, Any]] | None:
    with runtime.store.transaction(write=False) as sql:
        row = find_case(sql, subject)
        if row is None:
            return None
        past = case_as_of(row, case_detections(sql, row.case_id), case_decisions(sql, row.case_id), at)
        if past is None:
            return None
        case, detections, decisions = past
        strikes = find_strikes(sql, [d.strike_id for d in decisions if d.strike_id])
    return case, detections, decisions, {k: strike_as_of(s, at) for k, s in strikes.items()}


# Review queue cursors: opaque to clients, a place in the queue's order to us.


def queue_cursor(key: QueueKey) -> str:
    raw = json.dumps(
        [_CURSOR_TAG, key.severity_rank, key.max_confidence, key.oldest_detected_at.isoformat(), key.case_id,
         key.policy_key],
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def parse_queue_cursor(value: str | None) -> QueueKey | None:
    if value is None:
        return None
    if len(value) > _MAX_CURSOR:
        raise _bad_cursor()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        tag, rank, confidence, oldest, case_id, policy_key = json.loads(raw)
        key = QueueKey(rank, confidence, datetime.fromisoformat(oldest), case_id, policy_key)
    except (binascii.Error, ValueError, TypeError):
        raise _bad_cursor() from None
    valid = (
        tag == _CURSOR_TAG
        and type(rank) is int and 0 <= rank <= 100
        and type(confidence) in (int, float) and math.isfinite(confidence)
        and key.oldest_detected_at.tzinfo is not None
        and isinstance(case_id, str) and isinstance(policy_key, str)
    )
    if not valid:
        raise _bad_cursor()
    return QueueKey(rank, float(confidence), key.oldest_detected_at, case_id, policy_key)


def _bad_cursor() -> GraphQLError:
    return bad_input("after must be a cursor this query returned", "after")

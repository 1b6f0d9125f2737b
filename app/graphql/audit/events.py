"""The ledger by position: all its events after a cursor, or those a filter selects through the event index."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Notification

from app.fanout.envelope import Envelope
from app.fanout.feed import enveloped, envelopes_after, reached_in
from app.graphql.core.errors import bad_input
from app.graphql.core.inputs import EventFilter
from app.graphql.core.reading import MAX_POSITION
from app.graphql.core.times import valid_time
from app.read.store import reading
from app.runtime.wiring import Runtime
from app.write.ledger import Ledger
from domain.errors import ValidationError
from domain.values import Subject, check_identifier, check_name
from projections.audit_trail.projection import event_type_names
from projections.audit_trail.queries import positions, touches_at
from projections.audit_trail.rows import EventQuery
from projections.ledger_chain.queries import chain_hashes_at

MAX_FILTER_VALUES = 50


_GAP = 16
"""Positions closer than this are read from the ledger in one range rather than one read each."""


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
    if occurred_from is not None:
        occurred_from = valid_time(occurred_from, "filter.from")
    if occurred_to is not None:
        occurred_to = valid_time(occurred_to, "filter.to")
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


def filtered_envelopes(runtime: Runtime, query: EventQuery, after: int, limit: int) -> list[Envelope]:
    """The envelopes of the events `query` selects after `after`, in ledger order, as far as they can be built: the
    read models' positions, the selected positions and the envelopes' rows read in one transaction."""
    with reading(runtime.store, positions, touches_at, chain_hashes_at) as sql:
        upto = reached_in(sql)
        wanted = [p for p in positions(sql, query, after, limit) if p <= upto]
        return enveloped(runtime, sql, stored_at(runtime.ledger, wanted))


def stored_at(ledger: Ledger, wanted: Sequence[int]) -> list[Notification]:
    """The events at the given ascending positions as stored, read in ranges through the recorder's own API."""
    found: list[Notification] = []
    for group in _groups(wanted):
        keep = set(group)
        span = group[-1] - group[0] + 1
        notifications = ledger.recorder.select_notifications(start=group[0], limit=span, stop=group[-1])
        found += [n for n in notifications if n.id in keep]
    missing = set(wanted) - {s.id for s in found}
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


def event_filter(value: EventFilter | None, scope: tuple[str, ...] | None) -> EventQuery | None:
    """The filter as an index query, narrowed to the caller's domains."""
    query = None if value is None else event_query(
        value.domains, value.event_types, value.account_id,
        None if value.subject is None else value.subject.to_domain(), value.actor, value.from_, value.to,
    )
    if scope is None:
        return query
    query = query or EventQuery()
    return replace(query, domains=scope if query.domains is None else tuple(d for d in query.domains if d in scope))


def check_cursor(runtime: Runtime, after: int) -> None:
    """Refuses a cursor past the ledger's head: waiting there would skip, unsaid, every event up to it."""
    head = runtime.ledger.head()
    if after > head:
        raise bad_input(
            f"after ({after}) is past the ledger's head ({head}): a cursor of another ledger, or of this one before "
            "its database was restored; resume from a position this ledger gave", "after",
        )


def events_page(runtime: Runtime, query: EventQuery | None, after: int, limit: int) -> list[Envelope]:
    """The events after `after` in ledger order, in their envelopes: all of them, or those the query selects."""
    # Nothing can follow the largest storable position (and SQLite cannot bind the one after it).
    if after >= MAX_POSITION:
        return []
    if query is None or query.empty:
        return envelopes_after(runtime, after, limit)
    return filtered_envelopes(runtime, query, after, limit)

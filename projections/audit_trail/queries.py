"""Reads of the audit trail: a subject's or an account's events, and ledger positions by filter."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import replace
from itertools import islice
from typing import Any

from projections.audit_trail.rows import AuditEntryRow, EventQuery
from projections.sql import Sql, Steps, at_positions, equal_to, grouped, in_clause, marks, query
from projections.values import utc

_COLUMNS = "position, type, stream_id, domain, account_id, subject_key, actor, occurred_at, summary"


@query
def subject_trail(subject_key: str, after: int, limit: int) -> Steps[list[AuditEntryRow]]:
    """Every event touching a subject (its detections, case and appeals), in ledger order."""
    return (yield from entries.steps(EventQuery(subject_key=subject_key), after, limit))


@query
def subject_trails(subject_keys: Sequence[str], limit: int) -> Steps[dict[str, list[AuditEntryRow]]]:
    """The first `limit` events touching each subject, in ledger order, in one statement."""
    rows = yield (
        (f"SELECT {_COLUMNS} FROM (SELECT {_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY subject_key ORDER BY position) "
        f"AS n FROM event_index WHERE subject_key IN ({marks(subject_keys)})) numbered WHERE n <= ? ORDER BY position"),
        (*subject_keys, limit),
    )
    return grouped(subject_keys, [(row.subject_key or "", row) for row in map(_row, rows)])


@query
def account_trail(
    account_id: str, after: int, limit: int, domains: tuple[str, ...] | None = None
) -> Steps[list[AuditEntryRow]]:
    """Every event touching an account (its strikes, penalties, appeals, its subjects' detections and cases).

    With `domains`, only the events of those domains.
    """
    return (yield from entries.steps(EventQuery(account_id=account_id, domains=domains), after, limit))


@query
def entries(query: EventQuery, after: int, limit: int) -> Steps[list[AuditEntryRow]]:
    """The indexed events that `query` selects, after position `after`, in ledger order."""
    where, params = _where(query, after)
    rows = yield f"SELECT {_COLUMNS} FROM event_index WHERE {where} ORDER BY position LIMIT ?", (*params, limit)
    return [_row(r) for r in rows]


Touches = tuple[str | None, str | None, str | None]
"""What an indexed event touches: its domain, account id and subject key."""


def touches_at(sql: Sql, wanted: Sequence[int]) -> dict[int, Touches]:
    """What the indexed events at the given ascending positions touch, by position (a position the index has no row
    for is left out; others nearby may come too)."""
    if not wanted:
        return {}
    condition, params = at_positions(wanted)
    sql.execute(f"SELECT position, domain, account_id, subject_key FROM event_index WHERE {condition}", params)
    return {int(position): (domain, account_id, subject_key) for position, domain, account_id, subject_key
            in sql.fetchall()}


def positions(sql: Sql, query: EventQuery, after: int, limit: int) -> list[int]:
    """The positions of the events that `query` selects, after `after`, in ledger order.

    Several domains or event types are read one value at a time, each an ordered range of its
    index, and merged: an event has one domain and one type, so the ranges never overlap, and a
    page costs at most `limit` rows per value instead of a sort of every match.
    """
    if query.domains is not None and len(query.domains) > 1:
        parts = [replace(query, domains=(d,)) for d in query.domains]
    elif query.types is not None and len(query.types) > 1:
        parts = [replace(query, types=(t,)) for t in query.types]
    else:
        parts = [query]
    found: list[list[int]] = []
    for part in parts:
        where, params = _where(part, after)
        sql.execute(f"SELECT position FROM event_index WHERE {where} ORDER BY position LIMIT ?", (*params, limit))
        found.append([int(r[0]) for r in sql.fetchall()])
    return list(islice(heapq.merge(*found), limit))


def _where(query: EventQuery, after: int) -> tuple[str, list[Any]]:
    within, params = in_clause("domain", query.domains)
    of_types, type_params = in_clause("type", query.types)
    equal, equal_params = equal_to(
        (("account_id", query.account_id), ("subject_key", query.subject_key), ("actor", query.actor))
    )
    conditions = [f"position > ?{within}{of_types}", *equal]
    params = [after, *params, *type_params, *equal_params]
    if query.occurred_from is not None:
        conditions.append("occurred_at >= ?")
        params.append(query.occurred_from)
    if query.occurred_to is not None:
        conditions.append("occurred_at < ?")
        params.append(query.occurred_to)
    return " AND ".join(conditions), params


def _row(r: tuple[Any, ...]) -> AuditEntryRow:
    return AuditEntryRow(
        position=int(r[0]), type=r[1], stream_id=r[2], domain=r[3], account_id=r[4], subject_key=r[5], actor=r[6],
        occurred_at=utc(r[7]), summary=r[8],
    )

"""Accounts and cases as of a past moment: the moment checked against the ledger's first event."""

from __future__ import annotations

import weakref
from dataclasses import replace
from datetime import datetime

from app.graphql.core.errors import bad_input
from app.graphql.core.times import valid_time
from app.graphql.ledger.views import Case, past_records
from app.read.store import reading
from app.runtime.wiring import Runtime
from app.write.ledger import Ledger
from domain.appeal import AppealStatus
from domain.values import Subject
from projections.account_standing.queries import find_strikes
from projections.appeals.rows import AppealRow
from projections.case_status.as_of import case_as_of
from projections.case_status.queries import (
    case_decisions,
    case_detections,
    find_case,
)

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


def load_case_as_of(runtime: Runtime, subject: Subject, at: datetime) -> Case | None:
    """The case as it stood at `at`, with its detections and decisions of then; None if not yet opened."""
    with reading(runtime.store, find_case, case_detections, case_decisions, find_strikes) as sql:  # past_records'
        row = find_case(sql, subject)
        if row is None:
            return None
        past = case_as_of(row, case_detections(sql, row.case_id), case_decisions(sql, row.case_id), at)
        if past is None:
            return None
        case, detections, decisions = past
        return Case.of_row(case, past_records(sql, detections, decisions, at))


def moment(runtime: Runtime, as_of: datetime | None) -> datetime:
    now = runtime.ledger.clock()
    if as_of is None:
        return now
    as_of = valid_time(as_of, "asOf")
    if as_of > now:
        raise bad_input("asOf must not be in the future", "asOf")
    began = ledger_began(runtime.ledger)
    if began is None or as_of < began:
        since = "" if began is None else f" ({began.isoformat()})"
        raise bad_input(f"asOf must not be before the ledger's first event{since}", "asOf")
    return as_of


def appeal_as_of(row: AppealRow, at: datetime) -> AppealRow:
    """Hides a resolution that had not yet happened at `at`, as strikes and penalties hide theirs."""
    if row.resolved_at is not None and row.resolved_at > at:
        return replace(row, status=str(AppealStatus.PENDING), resolved_at=None, resolved_by=None, rationale=None)
    return row

"""Accounts and cases as of a past moment: the moment checked against the ledger's first event."""

from __future__ import annotations

import weakref
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from app.graphql.core.errors import bad_input
from app.graphql.core.times import valid_time
from app.graphql.ledger.views import Case, past_records
from app.runtime.wiring import Runtime
from app.write.ledger import Ledger
from domain.values import Subject
from projections.account_standing.queries import find_strikes
from projections.case_status.as_of import case_as_of
from projections.case_status.queries import find_case_with
from projections.sql import Steps, query_of

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


@query_of(find_case_with, find_strikes)
def case_as_of_steps(subject: Subject, at: datetime) -> Steps[Case | None]:
    """The case as it stood at `at`, with its detections and decisions of then; None if not yet opened."""
    found = yield from find_case_with.steps(subject, True, True)
    if found is None:
        return None
    past = case_as_of(found.case, found.detections or [], found.decisions or [], at)
    if past is None:
        return None
    case, detections, decisions = past
    return Case.of_row(case, (yield from past_records(detections, decisions, at)))


async def moment(runtime: Runtime, as_of: datetime | None) -> datetime:
    """The moment a query asks about: now, or `as_of` checked against now and the ledger's first event."""
    now = runtime.ledger.clock()
    if as_of is None:
        return now
    as_of = valid_time(as_of, "asOf")
    if as_of > now:
        raise bad_input("asOf must not be in the future", "asOf")
    began = _BEGAN.get(runtime.ledger) or await run_in_threadpool(ledger_began, runtime.ledger)
    if began is None or as_of < began:
        since = "" if began is None else f" ({began.isoformat()})"
        raise bad_input(f"asOf must not be before the ledger's first event{since}", "asOf")
    return as_of

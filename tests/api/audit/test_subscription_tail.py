"""The tail that `ledgerEvents` subscribers at the head share: what it hands each one is what the store would give it,
and it reads the store once a write, however many ask, without waiting for the projector."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest

from app.fanout.envelope import Envelope
from app.fanout.feed import reached
from app.fanout.tail import KEEP, RECHECK, Tail
from app.graphql.audit.events import events_page
from app.read.failures import ReadModelStopped, failed, record
from app.runtime.wiring import Runtime
from projections.audit_trail.rows import EventQuery
from tests.history import write_history, write_review_history

QUERIES = [
    None,
    EventQuery(domains=("ads",)),
    EventQuery(domains=("trust_safety", "shopping"), types=("Case.Decided", "Case.ActionApplied")),
    EventQuery(types=("Account.StrikeRemoved", "Case.ActionsReversed")),
    EventQuery(account_id="acct-3"),
    EventQuery(subject_key="trust_safety/pin/pin-7"),
    EventQuery(actor="lead:ann"),
    EventQuery(domains=("ads",), account_id="acct-1"),
]


def _positions(found: list[Envelope]) -> list[int]:
    return [e.position for e in found]


def _at_head(runtime: Runtime, keep: int = KEEP) -> tuple[Tail, int]:
    """A tail that has begun at the ledger's head, projected; and that head."""
    runtime.projector.catch_up()
    tail = Tail(runtime, keep)
    start = runtime.ledger.head()
    assert asyncio.run(tail.page(None, start, 1)) == ([], start)
    return tail, start


def _from_store(runtime: Runtime, query: EventQuery | None, after: int, limit: int) -> list[Envelope]:
    return events_page(runtime, query, after, limit)


def test_the_tail_gives_each_filter_what_the_store_gives_it(runtime: Runtime) -> None:
    write_history(runtime.ledger, 40, batch=20, subjects=30, run="first")
    tail, start = _at_head(runtime)
    write_review_history(runtime.ledger, 60)
    runtime.projector.catch_up()
    moment = runtime.ledger.clock() - timedelta(minutes=1)

    for query in [*QUERIES, EventQuery(occurred_from=moment), EventQuery(occurred_to=moment)]:
        for after, limit in ((start, 10_000), (start + 7, 5)):
            found = asyncio.run(tail.page(query, after, limit))
            assert found is not None
            assert _positions(found[0]) == _positions(_from_store(runtime, query, after, limit)), query
    assert asyncio.run(tail.page(None, start - 1, 10)) is None, "what it never held is the store's to give"


def test_a_page_short_of_the_limit_takes_the_subscriber_to_the_tail_s_head(runtime: Runtime) -> None:
    tail, start = _at_head(runtime)
    write_history(runtime.ledger, 20, batch=10, subjects=10)
    runtime.projector.catch_up()

    found, upto = asyncio.run(tail.page(EventQuery(types=("Policy.Retired",)), start, 10)) or ([], 0)
    full, last = asyncio.run(tail.page(None, start, 3)) or ([], 0)

    assert (found, upto) == ([], runtime.ledger.head())
    assert last == full[-1].position and len(full) == 3


def test_the_tail_keeps_only_the_newest_events_and_sends_the_rest_to_the_store(runtime: Runtime) -> None:
    tail, start = _at_head(runtime, keep=10)
    write_history(runtime.ledger, 8, batch=4, subjects=10)
    runtime.projector.catch_up()
    asyncio.run(tail.page(None, start, 1))
    write_history(runtime.ledger, 4, batch=4, subjects=10, run="more")
    runtime.projector.catch_up()

    newest = asyncio.run(tail.page(None, runtime.ledger.head() - 5, 100))
    assert newest is not None and _positions(newest[0]) == _positions(_from_store(runtime, None, newest[1] - 5, 100))
    assert asyncio.run(tail.page(None, start, 100)) is None


def test_the_tail_hands_out_events_the_read_models_have_not_reached_as_they_then_make_them(runtime: Runtime) -> None:
    tail, start = _at_head(runtime)
    write_history(runtime.ledger, 6, batch=3, subjects=4)

    found = asyncio.run(tail.page(None, start, 1000))
    assert reached(runtime) == start and found is not None and found[0]
    runtime.projector.catch_up()

    assert [e.to_json() for e in found[0]] == [e.to_json() for e in _from_store(runtime, None, start, 1000)]


def test_the_tail_goes_ahead_of_no_read_model_an_envelope_needs_that_has_stopped(runtime: Runtime) -> None:
    tail, start = _at_head(runtime)
    write_history(runtime.ledger, 2, batch=2, subjects=2)
    with runtime.store.transaction() as sql:
        record(sql, failed(None, "audit_trail", start + 1, "topic", ValueError("cannot"), runtime.ledger.clock()))

    with pytest.raises(ReadModelStopped):
        asyncio.run(tail.page(None, start, 100))


@pytest.mark.parametrize("subscribers", [1, 30])
def test_the_tail_reads_the_store_once_a_write_however_many_subscribers_ask(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, subscribers: int
) -> None:
    tail, start = _at_head(runtime)
    reads: list[Any] = []
    select_page = runtime.ledger.select_page

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(args)
        return select_page(*args, **kwargs)

    write_history(runtime.ledger, 6, batch=6, subjects=10)
    monkeypatch.setattr(runtime.ledger, "select_page", counted)

    async def everyone() -> list[Any]:
        return await asyncio.gather(*(tail.page(None, start, 1000) for _ in range(subscribers)))

    pages = asyncio.run(everyone())

    assert len({tuple(_positions(p[0])) for p in pages}) == 1 and pages[0][0]
    assert len(reads) <= 2, "one read of what is new, and one that finds nothing after it"


def test_the_tail_looks_again_after_a_while_though_no_move_is_heard(runtime: Runtime) -> None:
    """On SQLite a process that does not project hears no move (and on PostgreSQL a notification may go missing)."""
    tail, start = _at_head(runtime)
    write_history(runtime.ledger, 4, batch=4, subjects=10)
    while runtime.projector.step():  # projected without ringing, as by another process
        pass

    time.sleep(RECHECK)
    found = asyncio.run(tail.page(None, start, 100))

    assert found is not None and _positions(found[0]) == _positions(_from_store(runtime, None, start, 100))
    assert found[0]

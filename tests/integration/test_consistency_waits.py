"""Waiting on PostgreSQL for what another process does: the waiter is told by NOTIFY, it does not keep looking.

A query's `minPosition` waits for another process's projector; a `ledgerEvents` subscriber, and the
projector `docket serve` runs, wait for another process's writes.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from app.config.settings import Settings
from app.read.notifications import events_channel
from app.read.projector import Moved
from app.runtime.wiring import Runtime, open_runtime
from tests.history import write_history
from tests.projections.statements import reads_counted
from tests.support import MovableClock

pytestmark = pytest.mark.postgres

NEVER = 3600.0
"""Longer than any test may run: a waiter that only looked again on its bound would still be waiting."""


@pytest.fixture
def serving_and_projecting(postgres_url: str, clock: MovableClock) -> Iterator[tuple[Runtime, Runtime]]:
    """Two processes' runtimes on one schema: one serves (its projector never runs), one projects."""
    serving = open_runtime(Settings(database_url=postgres_url), clock=clock)
    projecting = open_runtime(Settings(database_url=postgres_url), clock=clock, prepare=False)
    yield serving, projecting
    projecting.close()
    serving.close()


def waiting_for(
    runtime: Runtime, position: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[threading.Thread, dict[str, bool], threading.Event]:
    """Starts a thread waiting for `position`; the event is set once it has gone to sleep on the read models."""
    asleep, answer = threading.Event(), dict[str, bool]()
    moves = runtime.projector.moves
    wait_after = moves.wait_after

    def sleeping(seen: int, timeout: float) -> None:
        asleep.set()
        wait_after(seen, timeout)

    monkeypatch.setattr(moves, "wait_after", sleeping)
    moves.recheck = NEVER
    waiter = threading.Thread(
        target=lambda: answer.update(reached=runtime.projector.wait_for(position, NEVER)), daemon=True
    )
    waiter.start()
    return waiter, answer, asleep


def test_a_waiter_wakes_when_another_process_projects_its_write_without_looking_again(
    serving_and_projecting: tuple[Runtime, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    serving, projecting = serving_and_projecting
    head = write_history(serving.ledger, 5)

    waiter, answer, asleep = waiting_for(serving, head, monkeypatch)
    assert asleep.wait(60), "the waiter never went to sleep"
    projecting.projector.catch_up()
    waiter.join(timeout=60)

    assert not waiter.is_alive(), "the waiter slept through the other process's NOTIFY"
    assert answer == {"reached": True}
    assert min(serving.projector.positions().values()) >= head
    assert serving.projector.moves.seen() > 0, "woken by looking again, not by a notification"


def test_a_waiter_sleeps_on_while_the_other_process_has_projected_only_part_of_its_write(
    serving_and_projecting: tuple[Runtime, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    serving, projecting = serving_and_projecting
    head = write_history(serving.ledger, 5)
    first = projecting.projector.projections[0]

    waiter, answer, asleep = waiting_for(serving, head, monkeypatch)
    assert asleep.wait(60), "the waiter never went to sleep"
    asleep.clear()
    projecting.projector.step(first)  # one read model moved, and told: heard, not enough
    assert asleep.wait(60), "the waiter did not go back to sleep"
    assert waiter.is_alive() and answer == {}
    projecting.projector.catch_up()
    waiter.join(timeout=60)

    assert answer == {"reached": True}


def test_a_waiter_told_by_another_process_where_the_read_models_are_does_not_look_again(
    serving_and_projecting: tuple[Runtime, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    serving, projecting = serving_and_projecting
    head = write_history(serving.ledger, 5)

    with reads_counted(monkeypatch) as looks:
        waiter, answer, asleep = waiting_for(serving, head, monkeypatch)
        assert asleep.wait(60), "the waiter never went to sleep"
        projecting.projector.catch_up()  # each group's NOTIFY says which read models reached which position
        waiter.join(timeout=60)

    assert answer == {"reached": True}
    assert len(looks) <= 2, f"looked once a notification, not only when it began and began listening: {looks}"


def test_a_subscriber_waiting_for_events_wakes_when_another_process_records_one(
    serving_and_projecting: tuple[Runtime, Runtime],
) -> None:
    serving, elsewhere = serving_and_projecting
    recorded = serving.recorded
    recorded.recheck = NEVER

    async def follow() -> None:
        await recorded.await_after(recorded.seen(), NEVER)  # begins to listen, and returns to look again
        seen = recorded.seen()
        waiting = asyncio.create_task(recorded.await_after(seen, NEVER))
        await asyncio.sleep(0)
        assert not waiting.done()
        await asyncio.to_thread(write_history, elsewhere.ledger, 2)
        await asyncio.wait_for(waiting, 60)
        assert recorded.seen() > seen, "woken by looking again, not by a notification"

    asyncio.run(follow())


def test_a_serving_projector_sleeps_while_nothing_is_written_and_projects_another_process_write_when_notified(
    serving_and_projecting: tuple[Runtime, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    serving, elsewhere = serving_and_projecting
    recorded = serving.recorded
    recorded.recheck = recorded.unheard = NEVER  # a loop's wait begun before the bell listened ends on no bound
    rounds, sleeps = [0], threading.Semaphore(0)
    step, wait_after = serving.projector._told_step, recorded.wait_after

    def counted(*args: Any) -> Moved:
        rounds[0] += 1
        return step(*args)

    def sleeping(seen: int, timeout: float) -> None:
        sleeps.release()
        wait_after(seen, timeout)

    monkeypatch.setattr(serving.projector, "_told_step", counted)
    monkeypatch.setattr(recorded, "wait_after", sleeping)
    serving.projector.start(recorded)
    # Each group's loop sleeps; the first wait of all begins to listen and returns to look again, then sleeps.
    assert all(sleeps.acquire(timeout=60) for _ in range(len(serving.projector.groups()) + 1)), \
        "the projector never went to sleep"
    idle = rounds[0]
    threading.Event().wait(1.0)
    assert rounds[0] == idle, "an idle projector kept looking at the ledger"

    head = write_history(elsewhere.ledger, 3)
    assert serving.projector.wait_for(head, 60), "the other process's write was never projected"
    assert rounds[0] > idle


def test_a_commit_of_events_is_notified_to_its_own_schema_and_to_no_other(
    postgres_url: str, postgres_database: str, clock: MovableClock
) -> None:
    other_schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{other_schema}"')
    here = open_runtime(Settings(database_url=postgres_url), clock=clock)
    elsewhere = open_runtime(Settings(database_url=f"{postgres_database}?schema={other_schema}"), clock=clock)
    try:
        channel = events_channel(here.settings.database)
        assert channel is not None
        with psycopg.connect(channel.conninfo, autocommit=True) as listener:
            listener.execute(f'LISTEN "{channel.name}"')
            write_history(elsewhere.ledger, 2)
            assert list(listener.notifies(timeout=0.5)) == [], "woken by another schema's events"
            write_history(here.ledger, 1)
            heard = {n.channel for n in listener.notifies(timeout=10, stop_after=1)}
        assert heard == {channel.name}
    finally:
        elsewhere.close()
        here.close()

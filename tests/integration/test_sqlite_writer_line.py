"""SQLite's single writer: writes wait in line for it in arrival order, reads never wait, and the wait is bounded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from eventsourcing.persistence import OperationalError

from app.config.settings import Settings
from app.runtime.wiring import Runtime, open_runtime
from app.write.ledger import Ledger
from tests.domain.factories import facts
from tests.support import MovableClock

HOLD = 6.0
"""Seconds a test holds the writer: longer than the library's own wait for it (5 s)."""


@pytest.fixture
def sqlite_runtime(sqlite_url: str, clock: MovableClock) -> Iterator[Runtime]:
    runtime = open_runtime(Settings(database_url=sqlite_url), clock=clock)
    yield runtime
    runtime.close()


def hold_the_writer(ledger: Ledger, seconds: float, taken: threading.Event) -> None:
    """A write transaction that takes `seconds`, as a large batch does."""
    with ledger.recorder.datastore.transaction(commit=True):  # type: ignore[attr-defined]
        taken.set()
        time.sleep(seconds)


def record(ledger: Ledger, n: int) -> int:
    return ledger.record_detection(facts(external_id=f"clf-{n}"), "svc:classifier").position


def test_writes_wait_in_line_behind_a_long_write_and_are_each_stored_once(sqlite_runtime: Runtime) -> None:
    ledger = sqlite_runtime.ledger
    taken = threading.Event()
    with ThreadPoolExecutor(max_workers=5) as pool:
        holder = pool.submit(hold_the_writer, ledger, HOLD, taken)
        assert taken.wait(10)
        waiting = []
        for n in range(4):
            waiting.append(pool.submit(record, ledger, n))
            time.sleep(1.0)  # time to read what it needs and join the line, on a loaded machine too
        started = time.monotonic()
        ledger.head()
        read_took = time.monotonic() - started
        positions = [write.result(timeout=60) for write in waiting]
        holder.result()

    assert read_took < 1.0, f"a read waited {read_took:.1f}s for the writers"
    # Each write reads what it needs before it joins the line, so on a loaded machine the order in which they
    # reach it is not the order they were sent: what holds is that every one waited and was stored once.
    assert len(set(positions)) == len(positions), "a write was stored twice or not at all"


def test_a_write_that_waits_longer_than_the_setting_is_refused_as_unavailable(
    sqlite_url: str, clock: MovableClock
) -> None:
    runtime = open_runtime(Settings(database_url=sqlite_url, sqlite_write_timeout=0.5), clock=clock)
    taken = threading.Event()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            holder = pool.submit(hold_the_writer, runtime.ledger, 3.0, taken)
            assert taken.wait(10)
            started = time.monotonic()
            with pytest.raises(OperationalError, match="in line"):
                record(runtime.ledger, 1)
            waited = time.monotonic() - started
            holder.result()
    finally:
        runtime.close()

    assert 0.5 <= waited < 2.5

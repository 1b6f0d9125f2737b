"""Read-your-writes on PostgreSQL when another process projects: the waiter is told, it does not keep looking."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from app.runtime import Runtime, open_runtime
from app.settings import Settings
from tests.history import write_history
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
    await_move = runtime.projector._await_move

    def sleeping(seen: int, timeout: float) -> None:
        asleep.set()
        await_move(seen, timeout)

    monkeypatch.setattr(runtime.projector, "_await_move", sleeping)
    runtime.projector.recheck = NEVER
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


def test_a_waiter_sleeps_on_while_the_other_process_has_projected_only_part_of_its_write(
    serving_and_projecting: tuple[Runtime, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    serving, projecting = serving_and_projecting
    head = write_history(serving.ledger, 5)
    first = projecting.projector.projections[0]

    waiter, answer, asleep = waiting_for(serving, head, monkeypatch)
    assert asleep.wait(60), "the waiter never went to sleep"
    asleep.clear()
    projecting.projector.step(first)  # one read model moves: heard, looked at, not enough
    assert asleep.wait(60), "the waiter did not go back to sleep"
    assert waiter.is_alive() and answer == {}
    projecting.projector.catch_up()
    waiter.join(timeout=60)

    assert answer == {"reached": True}

"""A query's wait for its write (`minPosition`) ends on the projector's step that projects it, not on a polling
interval: it looks at the positions when it starts and when a step rings, and holds no thread meanwhile."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from functools import partial
from itertools import chain

import pytest

from app.read.projector import Projector
from app.runtime.wiring import Runtime
from tests.corrupt import plant_second_filing
from tests.history import write_history
from tests.projections.statements import reads_counted


async def _wait_then_step(runtime: Runtime, position: int) -> tuple[bool, bool, float]:
    """Whether the wait was still on before the step, whether it ended, and how long after the step it did."""
    await runtime.store.reader.open()
    try:
        waiting = asyncio.create_task(runtime.projector.reach(position, timeout=30))
        await asyncio.sleep(0.5)
        pending = not waiting.done()
        await asyncio.to_thread(runtime.projector.catch_up)
        stepped = time.monotonic()
        reached = await waiting
        return pending, reached, time.monotonic() - stepped
    finally:
        await runtime.store.reader.close()


def test_a_wait_for_a_position_ends_as_the_step_that_projects_it_ends(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = write_history(runtime.ledger, 20)

    with reads_counted(monkeypatch) as looks:
        pending, reached, after_step = asyncio.run(_wait_then_step(runtime, head))

    assert pending and reached
    assert after_step < 0.25
    if runtime.store.engine == "postgres":
        # It looked when it began, and when it began listening; the step told it where the read models are. Not
        # every 50 ms, nor once a ring.
        assert len(looks) <= 2


def test_a_position_this_process_projected_is_not_looked_at(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    head = write_history(runtime.ledger, 5)
    runtime.projector.catch_up()

    async def waited() -> bool:
        await runtime.store.reader.open()
        try:
            return await runtime.projector.reach(head, timeout=5)
        finally:
            await runtime.store.reader.close()

    with reads_counted(monkeypatch) as looks:
        assert asyncio.run(waited())
    assert looks == []


def test_a_position_already_reached_is_not_looked_at_again(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    head = write_history(runtime.ledger, 5)
    elsewhere = Projector(runtime.ledger, runtime.store, runtime.projector.projections)  # as another process's
    elsewhere.catch_up()

    async def twice() -> list[bool]:
        await runtime.store.reader.open()
        try:
            return [await runtime.projector.reach(head, timeout=5) for _ in range(2)]
        finally:
            await runtime.store.reader.close()

    with reads_counted(monkeypatch) as looks:
        assert asyncio.run(twice()) == [True, True]
    assert len(looks) == 1


def test_a_wait_ends_with_the_step_in_which_a_read_model_it_waits_for_stops(runtime: Runtime) -> None:
    write_history(runtime.ledger, 60)  # enough for an appeal to be filed
    plant_second_filing(runtime.ledger)
    head = write_history(runtime.ledger, 10, run="after")

    pending, reached, after_step = asyncio.run(_wait_then_step(runtime, head))

    assert pending and reached  # the stopped read model is not waited for
    assert after_step < 0.25  # the step said it had not moved them all: the waiter looked, not on its bound


async def _turns_from_ring_to_reached(runtime: Runtime, position: int) -> int:
    """How many turns of its event loop a waiting `reach` takes to go on once the step that projects `position`
    rings (the step runs in the loop's own thread, so the ring falls at a known turn)."""
    await runtime.store.reader.open()
    turns = 0

    async def tick() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)  # one turn of the loop

    async def reached() -> int:
        assert await runtime.projector.reach(position, timeout=30)
        return turns

    ticking = asyncio.create_task(tick())
    try:
        waiting = asyncio.create_task(reached())
        await asyncio.sleep(0.5)
        assert not waiting.done()
        runtime.projector.catch_up()  # rings at this turn
        rung = turns
        return await waiting - rung
    finally:
        ticking.cancel()
        await runtime.store.reader.close()


def test_a_wait_goes_on_at_the_second_turn_of_its_busy_loop_after_the_step_that_projects_its_write(
    runtime: Runtime,
) -> None:
    head = write_history(runtime.ledger, 5)

    # The ring's call in the loop wakes it, and it runs at the next turn: on a loop busy serving requests each turn
    # is a wait, and through an asyncio.Event under wait_for it took four.
    assert asyncio.run(_turns_from_ring_to_reached(runtime, head)) <= 2


def test_a_wait_for_one_groups_read_models_ends_as_that_group_commits_while_the_other_still_works(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    if runtime.store.engine != "postgres":
        pytest.skip("on SQLite a step is one group")
    head = write_history(runtime.ledger, 20)
    projector = runtime.projector
    waited, *others = projector.groups()
    held = list(chain.from_iterable(others))
    projector.moves.recheck = 3600.0  # longer than the test: the waiter does not look again on its bound
    release = threading.Event()
    for projection in held:
        apply = projection.apply_batch
        monkeypatch.setattr(projection, "apply_batch", partial(_held, release, apply))
    stepping = threading.Thread(target=projector.step)
    stepping.start()
    try:
        started = time.monotonic()
        reached = projector.wait_for(head, timeout=10, names=[p.name for p in waited])
        waited_for = time.monotonic() - started
        held_still = stepping.is_alive()
    finally:
        release.set()
        stepping.join()

    assert reached and held_still and waited_for < 2  # told by the group's ring, not found on the wait's bound
    assert projector.wait_for(head, timeout=5)


def test_the_read_models_reads_wait_on_after_a_write_go_on_in_a_group_of_their_own_while_the_others_are_slow(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    if runtime.store.engine != "postgres":
        pytest.skip("on SQLite a step is one group")
    projector = runtime.projector
    quick, *others = projector.groups()
    held = list(chain.from_iterable(others))
    release = threading.Event()
    for projection in held:
        apply = projection.apply_batch
        monkeypatch.setattr(projection, "apply_batch", partial(_held, release, apply))
    projector.start(runtime.recorded)
    try:
        first = write_history(runtime.ledger, 10)
        reached_first = projector.wait_for(first, timeout=10, names=[p.name for p in quick])
        second = write_history(runtime.ledger, 10, run="again")
        reached_second = projector.wait_for(second, timeout=10, names=[p.name for p in quick])
        others_at = projector.positions()
    finally:
        release.set()

    assert [p.name for p in quick] == [p.name for p in projector.projections if p.waited_on] == ["case_status"]
    assert reached_first and reached_second  # its loop stepped again, not waiting for the others' first step
    assert any(others_at[p.name] < first for p in held)
    assert projector.wait_for(second, timeout=10)


def _held(release: threading.Event, apply: Callable[..., None], *args: object) -> None:
    """A read model's batch applied once `release` is set."""
    release.wait(30)
    apply(*args)

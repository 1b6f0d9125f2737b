"""The retry of a long-running loop's failing step (relay, automate, projection worker): pauses that double up to a
ceiling and shorten after a success, each failure logged, and a stop that ends the pause."""

from __future__ import annotations

import asyncio
import logging

import psycopg
import pytest
from eventsourcing import persistence

from app.runtime.retrying import RetryPause, retried
from app.runtime.worker import UNREACHABLE_PAUSE, pause_after

log = logging.getLogger("tests.retrying")


def test_the_pause_doubles_with_each_failure_in_a_row_up_to_the_ceiling_and_is_short_again_after_a_success() -> None:
    pause = RetryPause(first=0.5, longest=3.0)
    assert [pause.failed() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    pause.succeeded()
    assert pause.failed() == 0.5


def test_the_projection_worker_tries_an_unreachable_database_again_each_second_however_long_it_is_down() -> None:
    pause = RetryPause(first=1.0, longest=30.0)
    assert [pause_after(ValueError("a bug"), pause) for _ in range(3)] == [1.0, 2.0, 4.0]
    down = [psycopg.OperationalError("refused"), persistence.OperationalError("closed"), persistence.InterfaceError()]
    assert [pause_after(error, pause) for error in down * 3] == [UNREACHABLE_PAUSE] * 9
    assert pause_after(ValueError("a bug"), pause) == 1.0  # once back, a failure of another kind starts short


def test_a_failing_step_is_tried_again_until_it_succeeds_each_failure_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes: list[Exception | str] = [ConnectionError("refused"), ValueError("broken"), "done"]

    async def step() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    pause = RetryPause(first=0.0, longest=0.0)
    with caplog.at_level(logging.WARNING, logger=log.name):
        done = asyncio.run(retried(step, asyncio.Event(), pause, log, lambda e: f"step failed ({e})", (OSError,)))
    assert done == "done"
    assert [(r.getMessage(), r.exc_info is not None) for r in caplog.records] == [
        ("step failed (refused); retrying in 0.0s", False),  # expected: one line
        ("step failed (broken); retrying in 0.0s", True),  # anything else: with its traceback
    ]


def test_a_stop_ends_the_pause_and_the_retrying() -> None:
    async def never() -> None:
        raise OSError("down")

    async def run() -> object:
        stop = asyncio.Event()

        def failed(_error: Exception) -> str:
            stop.set()
            return "down"

        return await asyncio.wait_for(retried(never, stop, RetryPause(3_600.0, 3_600.0), log, failed),
                                      timeout=30)

    assert asyncio.run(run()) is None

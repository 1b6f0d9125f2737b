"""A worker command (`relay`, `deliver`, `automate`) asked to stop while it is still starting stops cleanly once its
loop runs: it does no work and exits 0, rather than dying by the signal halfway through connecting."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator

import pytest

from app.cli.service import run_service
from app.cli.stopping import ASKED, listen
from app.config.settings import Settings
from app.runtime.wiring import Runtime, open_runtime


@pytest.fixture
def listening() -> Iterator[None]:
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    listen()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        ASKED.clear()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_a_worker_starts_stops_it_before_it_works(
    listening: None, sqlite_url: str, signum: int
) -> None:
    settings = Settings(database_url=sqlite_url)
    open_runtime(settings, prepare=True).close()
    stopped_at_start: list[bool] = []

    async def work(runtime: Runtime, stop: asyncio.Event) -> None:
        stopped_at_start.append(stop.is_set())

    os.kill(os.getpid(), signum)

    assert run_service(settings, "test", work) == 0
    assert stopped_at_start == [True]


def test_a_worker_not_signalled_while_starting_runs_until_stopped(listening: None, sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url)
    open_runtime(settings, prepare=True).close()
    stopped_at_start: list[bool] = []

    async def work(runtime: Runtime, stop: asyncio.Event) -> None:
        stopped_at_start.append(stop.is_set())

    assert run_service(settings, "test", work) == 0
    assert stopped_at_start == [False]

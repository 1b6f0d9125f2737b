"""The relay's reader process (`app.fanout.pages`), forked and asked for pages as the relay does: each page reaches
the relay whole and in order, and so does why a page cannot be made; its death is told as such, never taken for a
page; closing it ends it."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import pytest

from app.config.settings import Settings
from app.fanout.pages import Make, Message, Pages, ReaderFailed, forked
from app.fanout.pages import log as reader_log
from app.read.failures import ProjectionFailure, ReadModelStopped
from app.runtime.wiring import Runtime, open_runtime

T = TypeVar("T")
LAST = 6
SLOW = 30.0
"""Seconds a page takes that the test means never to arrive."""


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    """A migrated database for the process's own runtime (the pages here are made up, not read from it)."""
    made = Settings(database_url=sqlite_url)
    open_runtime(made).close()
    return made


def two_at_a_time(runtime: Runtime, after: int) -> list[Message]:
    """Pages of two made-up messages, up to position LAST."""
    return [Message(p, f"id-{p}", f"docket.x.y.z{p}", b"{}") for p in range(after + 1, min(after + 2, LAST) + 1)]


def with_reader(settings: Settings, make: Make, use: Callable[[Pages], Awaitable[T]]) -> T:
    async def run() -> T:
        async with forked(settings, make) as pages:
            return await use(pages)

    return asyncio.run(run())


def test_the_reader_follows_from_a_position_page_after_page_until_one_is_empty_and_again_when_asked(
    settings: Settings,
) -> None:
    async def use(pages: Pages) -> list[list[int]]:
        pages.follow(0)
        found = [[m.position for m in await pages.next()] for _ in range(4)]
        pages.follow(3)
        return found + [[m.position for m in await pages.next()] for _ in range(3)]

    assert with_reader(settings, two_at_a_time, use) == [[1, 2], [3, 4], [5, 6], [], [4, 5], [6], []]


def test_a_read_model_stopped_reaches_the_relay_as_itself_and_the_reader_answers_again_after_it(
    settings: Settings,
) -> None:
    stopped_at = datetime(2026, 12, 6, tzinfo=UTC)
    failure = ProjectionFailure("ledger_chain", 5, "domain.case:Case.Decided", "ValueError", "no", stopped_at,
                                stopped_at, 1)

    def stopped_past_two(runtime: Runtime, after: int) -> list[Message]:
        if after >= 2:
            raise ReadModelStopped([failure])
        return two_at_a_time(runtime, after)

    async def use(pages: Pages) -> tuple[list[int], ReadModelStopped, list[int]]:
        pages.follow(0)
        first = [m.position for m in await pages.next()]
        with pytest.raises(ReadModelStopped) as stopped:
            await pages.next()
        pages.follow(0)
        return first, stopped.value, [m.position for m in await pages.next()]

    first, stopped, again = with_reader(settings, stopped_past_two, use)
    assert first == [1, 2] and again == [1, 2]
    assert stopped.failures == [failure] and str(stopped) == str(ReadModelStopped([failure]))


def test_a_fault_making_a_page_fails_it_and_is_logged_whole_by_the_reader(
    settings: Settings, capfd: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    def broken(runtime: Runtime, after: int) -> list[Message]:
        raise ValueError("the database said no")

    said = logging.StreamHandler(sys.stderr)  # as `docket relay` logs: the process writes to the relay's stderr
    reader_log.addHandler(said)
    request.addfinalizer(lambda: reader_log.removeHandler(said))

    async def use(pages: Pages) -> str:
        pages.follow(0)
        with pytest.raises(ReaderFailed) as failed:
            await pages.next()
        return str(failed.value)

    assert with_reader(settings, broken, use) == "the relay's reader process failed (see above)"
    assert "ValueError: the database said no" in capfd.readouterr().err


def test_a_reader_killed_while_it_makes_a_page_is_told_as_ended_and_nothing_of_the_page_arrives(
    settings: Settings,
) -> None:
    def slow_past_two(runtime: Runtime, after: int) -> list[Message]:
        if after >= 2:
            time.sleep(SLOW)
        return two_at_a_time(runtime, after)

    async def use(pages: Pages) -> tuple[list[int], str]:
        pages.follow(0)
        first = [m.position for m in await pages.next()]
        pages.process.kill()
        with pytest.raises(ReaderFailed) as ended:
            await pages.next()
        return first, str(ended.value)

    assert with_reader(settings, slow_past_two, use) == ([1, 2], "the relay's reader process ended (exit code -9)")


def test_closing_the_reader_while_it_makes_a_page_ends_it_without_being_killed(settings: Settings) -> None:
    """It holds no copy of the relay's end of the socket (or the socket would never end for it), and a page it
    cannot send ends it: it is not left for CLOSE_TIMEOUT and killed."""

    def slowly(runtime: Runtime, after: int) -> list[Message]:
        time.sleep(0.5)
        return two_at_a_time(runtime, after)

    async def use(pages: Pages) -> Pages:
        pages.follow(0)
        return pages

    assert with_reader(settings, slowly, use).process.exitcode == 0

"""A kept answer's checks (which may read the database) are asked off the event loop, and one that fails to look
says the answer no longer holds, so that the request is read afresh rather than failing."""

from __future__ import annotations

import asyncio
import threading

from app.graphql.core.answers import Answer


def test_checks_are_asked_on_a_thread_other_than_the_event_loops() -> None:
    asked_on: list[int] = []

    def check() -> bool:
        asked_on.append(threading.get_ident())
        return True

    async def scenario() -> tuple[bool, int]:
        return await Answer(b"{}", (), None, checks=(check,)).still(), threading.get_ident()

    still, loop_thread = asyncio.run(scenario())

    assert still
    assert asked_on and loop_thread not in asked_on


def test_an_answer_whose_check_cannot_look_or_says_no_no_longer_holds() -> None:
    def unreachable() -> bool:
        raise ConnectionError("the database is down")

    async def scenario() -> list[bool]:
        return [
            await Answer(b"{}", (), None, checks=checks).still()
            for checks in ((unreachable,), (lambda: True, lambda: False), (), (lambda: True,))
        ]

    assert asyncio.run(scenario()) == [False, False, True, True]

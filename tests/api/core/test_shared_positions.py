"""Requests that look at the read models' positions at once share one statement, sent after each of them asked."""

from __future__ import annotations

import asyncio
from typing import Any

from app.graphql.core.answers import Positions


class CountingReader:
    """A reader whose every read answers how many reads were sent before it, once it is let go on."""

    def __init__(self) -> None:
        self.sent = 0
        self.go_on = asyncio.Event()

    async def fetch(self, query: Any) -> dict[str, int | None]:
        self.sent += 1
        sent = self.sent
        await self.go_on.wait()
        return {"account_standing": sent}


def test_requests_asking_together_share_a_statement_and_a_later_one_waits_for_a_statement_of_its_own() -> None:
    async def scenario() -> tuple[list[Any], Any, int]:
        reader = CountingReader()
        positions = Positions(reader)  # type: ignore[arg-type]
        together = [asyncio.create_task(positions.read()) for _ in range(3)]
        await asyncio.sleep(0)  # the statement is sent
        await asyncio.sleep(0)
        later = asyncio.create_task(positions.read())  # asked after it was sent
        await asyncio.sleep(0)
        reader.go_on.set()
        return await asyncio.gather(*together), await later, reader.sent

    together, later, sent = asyncio.run(scenario())

    assert together == [{"account_standing": 1}] * 3
    assert later == {"account_standing": 2}
    assert sent == 2

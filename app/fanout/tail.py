"""The newest envelopes, read once for every `ledgerEvents` subscriber of a process.

Subscribers that have caught up wait at the head together. When the read models move on, each used to read the new
events from the store and build their envelopes itself: with fifty subscribers, fifty reads and fifty envelopes of
every event. The tail reads them once, for the first subscriber to ask after a move, and hands every subscriber the
ones after its position that its filter selects, from memory. A subscriber further behind than the tail holds (a
replay, a slow one) reads the store at its own pace, as before.

The tail reads when events are recorded, not when the read models move on: it makes the newest envelopes ahead of
the projector (`feed.envelopes_ahead`), and waits for the read models only while they are far behind.
"""

from __future__ import annotations

import asyncio
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass

from anyio import to_thread

from app.fanout.envelope import Envelope
from app.fanout.feed import envelopes, envelopes_ahead, reached
from app.read.notifications import Bell
from app.runtime.wiring import Runtime
from projections.audit_trail.rows import EventQuery

KEEP = 2000
"""Envelopes held: the newest events, for subscribers at or near the head."""
READ = 500
"""Events read from the store at a time."""
RECHECK = 0.2
"""Seconds after which the tail reads the store again though no move was heard: on SQLite a process that does not
project hears none, and on PostgreSQL a notification may go missing."""
WAKE = 1.0
"""Seconds a subscriber at the head sleeps at most though it heard nothing: a notification may go missing."""


@dataclass(frozen=True)
class Held:
    """Every envelope after `start`, up to and including `head`, in ledger order."""

    start: int
    head: int
    envelopes: list[Envelope]
    positions: list[int]


class Tail:
    """The envelopes of the newest events, refreshed when the read models move on."""

    def __init__(self, runtime: Runtime, keep: int = KEEP) -> None:
        self.runtime = runtime
        self.keep = keep
        self._held: Held | None = None
        self._seen = (-1, -1)
        """The writes and the read models' moves (`seen()`) the held envelopes were read after."""
        self._ahead = False
        """Whether the last read went ahead of the read models (`envelopes_ahead`): then a write wakes the
        subscribers, else a move of the read models."""
        self._read_at = -RECHECK
        """When they were read (`time.monotonic()`)."""
        self._lock = threading.Lock()
        self._refreshing: dict[asyncio.AbstractEventLoop, asyncio.Future[None]] = {}

    async def page(self, query: EventQuery | None, after: int, limit: int) -> tuple[list[Envelope], int] | None:
        """Up to `limit` envelopes after `after` that `query` selects (None: every one), and the position up to which
        the subscriber has then seen every event it selects; None when `after` lies before what the tail holds."""
        if self._stale():
            await self._refresh()
        held = self._held
        if held is None or after < held.start:
            return None
        found: list[Envelope] = []
        for envelope in held.envelopes[bisect_right(held.positions, after):]:
            if query is None or _selects(query, envelope):
                found.append(envelope)
                if len(found) == limit:
                    return found, envelope.position
        return found, max(after, held.head)

    def seen(self) -> tuple[int, int]:
        """The writes recorded and the read models' moves heard so far: taken before a page, for `wait_after`."""
        return self.runtime.recorded.seen(), self.runtime.projector.moves.seen()

    async def wait_after(self, seen: tuple[int, int]) -> None:
        """Sleeps until what the tail would read next may have changed since `seen`: an event was recorded (or, while
        the read models are too far behind to go ahead of them, they moved on)."""
        bell: Bell = self.runtime.recorded if self._ahead else self.runtime.projector.moves
        await bell.await_after(seen[0] if self._ahead else seen[1], WAKE, unheard=RECHECK)

    def _stale(self) -> bool:
        return self.seen() != self._seen or time.monotonic() - self._read_at >= RECHECK

    async def _refresh(self) -> None:
        """Reads what is new, once for every subscriber of the event loop that asks meanwhile."""
        loop = asyncio.get_running_loop()
        running = self._refreshing.get(loop)
        if running is None or running.done():
            running = self._refreshing[loop] = asyncio.ensure_future(
                to_thread.run_sync(self._read, limiter=self.runtime.subscriber_reads)
            )
        await asyncio.shield(running)

    def _read(self) -> None:
        with self._lock:
            if not self._stale():
                return
            seen, read_at = self.seen(), time.monotonic()
            held = self._held
            ahead = None if held is None else envelopes_ahead(self.runtime, held.head)
            if held is None or ahead is None:  # a start, or read models far behind: as far as they have reached
                upto = reached(self.runtime)
                if held is None or upto - held.head > self.keep:  # more than it would keep: from here on
                    held = Held(upto, upto, [], [])
                else:
                    held = self._extended(held, self._read_upto(held.head, upto), upto)
                ahead = envelopes_ahead(self.runtime, held.head)
            self._ahead = ahead is not None
            if ahead:
                held = self._extended(held, ahead, ahead[-1].position)
            self._held, self._seen, self._read_at = held, seen, read_at

    def _read_upto(self, after: int, upto: int) -> list[Envelope]:
        """The envelopes of the events after `after` up to `upto`, which the read models have reached."""
        added: list[Envelope] = []
        while after < upto and (stored := self.runtime.ledger.read_stored(after, READ, upto=upto)):
            added += envelopes(self.runtime, stored)
            after = stored[-1].id
        return added

    def _extended(self, held: Held, added: list[Envelope], head: int) -> Held:
        """`held` with the envelopes `added` after it, up to `head`, the oldest let go past `keep`."""
        kept = (held.envelopes + added)[-self.keep:]
        gone = len(held.envelopes) + len(added) - len(kept)
        start = held.start if gone == 0 else (held.envelopes + added)[gone - 1].position
        return Held(start, max(held.head, head), kept, [e.position for e in kept])


def _selects(query: EventQuery, envelope: Envelope) -> bool:
    data = envelope.data
    return query.selects(
        envelope.domain, envelope.event_type, envelope.account_id, envelope.subject_key, data["actor"],
        envelope.occurred_at,
    )

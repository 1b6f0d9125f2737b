"""The newest envelopes, read once for every `ledgerEvents` subscriber of a process.

Subscribers that have caught up wait at the head together. When the read models move on, each used to read the new
events from the store and build their envelopes itself: with fifty subscribers, fifty reads and fifty envelopes of
every event. The tail reads them once, for the first subscriber to ask after a move, and hands every subscriber the
ones after its position that its filter selects, from memory. A subscriber further behind than the tail holds (a
replay, a slow one) reads the store at its own pace, as before.
"""

from __future__ import annotations

import asyncio
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass

from anyio import to_thread

from app.fanout.envelope import Envelope
from app.fanout.feed import envelopes, reached
from app.runtime.wiring import Runtime
from projections.audit_trail.rows import EventQuery

KEEP = 2000
"""Envelopes held: the newest events, for subscribers at or near the head."""
READ = 500
"""Events read from the store at a time."""
RECHECK = 0.2
"""Seconds after which the tail reads the store again though no move was heard: on SQLite a process that does not
project hears none, and on PostgreSQL a notification may go missing."""


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
        self._seen = -1
        """The read models' moves (`projector.moves.seen()`) the held envelopes were read after."""
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

    def _stale(self) -> bool:
        return self.runtime.projector.moves.seen() != self._seen or time.monotonic() - self._read_at >= RECHECK

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
            seen, read_at = self.runtime.projector.moves.seen(), time.monotonic()
            upto = reached(self.runtime)
            held = self._held
            if held is None or upto - held.head > self.keep:  # a start, or more than it would keep: from here on
                self._held = Held(upto, upto, [], [])
            else:
                self._held = self._extended(held, upto)
            self._seen, self._read_at = seen, read_at

    def _extended(self, held: Held, upto: int) -> Held:
        """`held` with every envelope up to `upto`, the oldest let go past `keep`."""
        added: list[Envelope] = []
        after = held.head
        while after < upto and (stored := self.runtime.ledger.read_stored(after, READ, upto=upto)):
            added += envelopes(self.runtime, stored)
            after = stored[-1].id
        kept = (held.envelopes + added)[-self.keep:]
        gone = len(held.envelopes) + len(added) - len(kept)
        start = held.start if gone == 0 else (held.envelopes + added)[gone - 1].position
        return Held(start, upto, kept, [e.position for e in kept])


def _selects(query: EventQuery, envelope: Envelope) -> bool:
    data = envelope.data
    return query.selects(
        envelope.domain, envelope.event_type, envelope.account_id,
        None if envelope.subject is None else envelope.subject.key, data["actor"], envelope.occurred_at,
    )

"""Waking a waiting process when the database says something changed: LISTEN/NOTIFY on PostgreSQL.

Two channels matter. The eventsourcing library NOTIFYs on its own channel whenever a write of
events commits: the `docket project` worker and `ledgerEvents` subscribers wake on it. The projector
NOTIFYs on a channel of the database schema's after each round of batches it commits, so a query
waiting to read its writes (`minPosition`) wakes when another process has projected them. A
notification only says "look again": a missed or spurious one costs a delay or a read, never a
wrong answer, so every waiter also looks again on a bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql as pgsql

from app.config.database import Database
from projections.sql import Sql

log = logging.getLogger(__name__)

FOREVER = float("inf")
"""A wait with no bound of its own: the bell's bounds apply."""
IDENTIFIER_LENGTH = 63
"""PostgreSQL's longest channel name; a longer schema is cut, and schemas that then share a channel only
wake each other for nothing."""


@dataclass(frozen=True)
class Channel:
    """A NOTIFY channel of one PostgreSQL database."""

    conninfo: str
    name: str

    def notify(self, sql: Sql, payload: str) -> None:
        """Notifies when the caller's transaction commits (not before, and not at all if it rolls back)."""
        sql.execute("SELECT pg_notify(?, ?)", (self.name, payload))


def projected_channel(database: Database) -> Channel | None:
    """Where the projector tells that read models moved on; None on SQLite, which cannot notify."""
    return _schema_channel(database, "docket_projected_")


def _schema_channel(database: Database, prefix: str) -> Channel | None:
    if not database.is_postgres:
        return None
    return Channel(database.conninfo(), f"{prefix}{database.schema}"[:IDENTIFIER_LENGTH])


def events_channel(database: Database) -> Channel | None:
    """Where each commit of events to this schema is NOTIFYed (by a trigger of migration 0010: the event store's
    own channel is one for every schema); None on SQLite."""
    return _schema_channel(database, "docket_recorded_")


class Waker:
    """Waits until something may have changed: a NOTIFY on `channel` (PostgreSQL), else the poll interval. A
    notification whose payload is `own` (this process's, which it has heard of already) wakes nobody."""

    def __init__(self, channel: Channel | None, poll_interval: float, own: str | None = None) -> None:
        self.channel = channel
        self.poll_interval = poll_interval
        self.own = own
        self._connection: psycopg.Connection[Any] | None = None
        self._retry_at = 0.0

    @property
    def listening(self) -> bool:
        return self._connection is not None

    def open(self) -> None:
        """LISTENs, if the database can notify; on failure the waiter polls and tries again later."""
        if self.channel is None or self._connection is not None or time.monotonic() < self._retry_at:
            return
        try:
            connection = psycopg.connect(self.channel.conninfo, autocommit=True, connect_timeout=5)
            connection.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(self.channel.name)))
        except psycopg.Error as error:
            log.warning("cannot LISTEN on %s (%s); polling every %.1fs", self.channel.name, error, self.poll_interval)
            self._retry_at = time.monotonic() + max(self.poll_interval, 5.0)
            return
        self._connection = connection

    def wait(self, stop: threading.Event) -> list[str]:
        """Blocks until notified, the poll interval passes, or `stop` is set; the payloads heard (none: not
        notified). A payload whose first word is `own` is not heard."""
        self.open()
        deadline = time.monotonic() + self.poll_interval
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            slice_ = min(remaining, 0.25)  # short slices, so that a stop is noticed quickly
            if self._connection is None:
                stop.wait(slice_)
                continue
            try:
                heard = [n.payload for n in self._connection.notifies(timeout=slice_, stop_after=1)]
                if heard:
                    heard += self._drain()  # only once the generator above is done: it holds the connection's lock
                    foreign = [payload for payload in heard if payload.partition(" ")[0] != self.own]
                    if foreign:
                        return foreign
            except psycopg.Error as error:
                log.warning("lost the LISTEN connection (%s); polling until it is back", error)
                self.close()
        return []

    def _drain(self) -> list[str]:
        """Takes the payloads of notifications already received: one catch-up answers all of them."""
        assert self._connection is not None
        return [n.payload for n in self._connection.notifies(timeout=0.0, stop_after=10_000)]

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None


def _wake(waiters: set[asyncio.Future[None]]) -> None:
    """Resolves the futures of waiters still waiting (not timed out or cancelled), in their loop."""
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)


class Bell:
    """Wakes waiters, in threads or in event loops, when what they look at may have changed: rung in this
    process, or by a NOTIFY on `channel`, which it LISTENs on from a thread of its own once a waiter needs it.

    A waiter takes `seen()` before it looks and waits after it, so a ring in between returns at once and
    none is slept through. It looks again on a bound anyway: `recheck` seconds while it listens, `unheard`
    without a channel or a connection. A ring may also tell waiters what they would look up (`told_since`): then
    they need not look.
    """

    def __init__(
        self, channel: Channel | None, recheck: float, unheard: float, own: str | None = None,
        heard: Callable[[list[str]], bool] | None = None,
    ) -> None:
        self.channel = channel
        self.recheck = recheck
        self.unheard = unheard
        self.own = own
        """The first word of this process's own notifications on `channel`, which its ring has told already."""
        self.heard = heard
        """Given other processes' payloads before their ring; True when they told waiters all they need to know."""
        self._condition = threading.Condition()
        self._rings = 0
        self._untold = 0
        """The number of the last ring that told waiters nothing."""
        self._loops: dict[asyncio.AbstractEventLoop, set[asyncio.Future[None]]] = {}
        """The waiters of each loop until the next ring: a ring costs one call a loop, not a waiter."""
        self._waker: Waker | None = None
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()

    def seen(self) -> int:
        with self._condition:
            return self._rings

    def ring(self, _position: int = 0, *, told: bool = False) -> None:
        """Wakes every waiter; `told`: what it means was told already (see `told_since`)."""
        with self._condition:
            self._rings += 1
            if not told:
                self._untold = self._rings
            self._condition.notify_all()
            loops, self._loops = self._loops, {}
        for loop, waiters in loops.items():
            with contextlib.suppress(RuntimeError):  # its loop has closed: nobody left to wake
                loop.call_soon_threadsafe(_wake, waiters)

    def told_since(self, seen: int) -> bool:
        """Whether it rang after the `seen`th ring, each time telling what it meant: a waiter woken by it need not
        look (one woken by its bound, or by a ring that told nothing, looks)."""
        with self._condition:
            return self._rings != seen and self._untold <= seen

    def wait_after(self, seen: int, timeout: float) -> None:
        """Blocks until a ring after the `seen`th, or the bound; returns at once when it only now began to listen."""
        bound = self._bound(timeout)
        with self._condition:
            self._condition.wait_for(lambda: self._rings != seen, bound)

    async def await_after(self, seen: int, timeout: float, unheard: float | None = None) -> None:
        """`wait_after` for a coroutine: it sleeps in its event loop, holding no thread. `unheard` bounds its sleep
        instead of the bell's own when nothing can be heard: a long-lived waiter need not look as often as others."""
        if self.channel is not None and self._waker is None:  # the first connects to LISTEN: not in the loop
            bound = await asyncio.to_thread(self._bound, timeout, unheard)
        else:
            bound = self._bound(timeout, unheard)
        loop = asyncio.get_running_loop()
        with self._condition:
            if self._rings != seen or bound <= 0:
                return
            woken: asyncio.Future[None] = loop.create_future()
            self._loops.setdefault(loop, set()).add(woken)
        # The ring's call in the loop resolves the future and the waiter goes on at the loop's next turn; through an
        # asyncio.Event under wait_for it took four turns, each as long as a turn of a loop busy serving requests.
        timer = loop.call_later(bound, _wake, {woken})
        try:
            await woken
        finally:
            timer.cancel()
            with self._condition:
                self._loops.get(loop, set()).discard(woken)

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=10)

    def _bound(self, timeout: float, unheard: float | None = None) -> float:
        """How long a waiter may sleep; 0 when it began to listen just now (a ring before that went unheard)."""
        if self._begin_listening():
            return 0.0
        hears = self._waker is not None and self._waker.listening
        return max(0.0, min(timeout, self.recheck if hears else self.unheard if unheard is None else unheard))

    def _begin_listening(self) -> bool:
        with self._condition:
            if self.channel is None or self._waker is not None or self._stop.is_set():
                return False
            waker = self._waker = Waker(self.channel, self.recheck, self.own)
        waker.open()  # outside the lock: a ring need not wait for a connection
        self._listener = threading.Thread(
            target=self._listen, args=(waker,), name=f"docket-listen-{self.channel.name}", daemon=True
        )
        self._listener.start()
        return True

    def _listen(self, waker: Waker) -> None:
        try:
            while not self._stop.is_set():
                payloads = waker.wait(self._stop)
                if payloads:
                    self.ring(told=self.heard is not None and self.heard(payloads))
        finally:
            waker.close()

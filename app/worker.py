"""`docket project`: a process of its own that keeps the read models up to date.

On PostgreSQL it LISTENs on the channel the eventsourcing library NOTIFYs when a write commits
(the events table's name), so it wakes as soon as there is something to project; it also polls
every `poll_interval` seconds, so a lost connection or a missed notification only delays it.
On SQLite, which has no notifications, it polls.

Each step projects one batch of one read model and records the position in the same
transaction (see Projector.step), under the read model's lock: a worker killed at any moment
resumes where the database says it stopped, and several workers or `docket serve` processes
may project the same database without writing anything twice.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import psycopg
from psycopg import sql as pgsql

from app.runtime import Runtime

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0


class Waker:
    """Waits until the ledger may have something new: a NOTIFY on PostgreSQL, else the poll interval."""

    def __init__(self, conninfo: str | None, channel: str | None, poll_interval: float) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self.poll_interval = poll_interval
        self._connection: psycopg.Connection[Any] | None = None
        self._retry_at = 0.0

    @property
    def listening(self) -> bool:
        return self._connection is not None

    def open(self) -> None:
        """LISTENs, if the database can notify; on failure the worker polls and tries again later."""
        if self.conninfo is None or self.channel is None or self._connection is not None:
            return
        if time.monotonic() < self._retry_at:
            return
        try:
            connection = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5)
            connection.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(self.channel)))
        except psycopg.Error as error:
            log.warning("cannot LISTEN on %s (%s); polling every %.1fs", self.channel, error, self.poll_interval)
            self._retry_at = time.monotonic() + max(self.poll_interval, 5.0)
            return
        self._connection = connection

    def wait(self, stop: threading.Event) -> bool:
        """Blocks until notified, the poll interval passes, or `stop` is set; True when notified."""
        self.open()
        deadline = time.monotonic() + self.poll_interval
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            slice_ = min(remaining, 0.25)  # short slices, so that a stop is noticed quickly
            if self._connection is None:
                stop.wait(slice_)
                continue
            try:
                notified = any(True for _ in self._connection.notifies(timeout=slice_, stop_after=1))
                if notified:
                    self._drain()  # only once the generator above is done: it holds the connection's lock
                    return True
            except psycopg.Error as error:
                log.warning("lost the LISTEN connection (%s); polling until it is back", error)
                self.close()
        return False

    def _drain(self) -> None:
        """Swallows notifications already received: one catch-up answers all of them."""
        assert self._connection is not None
        for _ in self._connection.notifies(timeout=0.0, stop_after=10_000):
            pass

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None


class ProjectionWorker:
    """Projects every read model until stopped; each batch is one transaction with its position."""

    def __init__(
        self,
        runtime: Runtime,
        poll_interval: float = 1.0,
        report: Callable[[str], None] | None = None,
        report_every: float = 10.0,
    ) -> None:
        self.runtime = runtime
        self.projector = runtime.projector
        database = runtime.settings.database
        channel = getattr(runtime.ledger.recorder, "channel_name", None)
        self.waker = Waker(database.conninfo() if database.is_postgres else None, channel, poll_interval)
        self.report = report or (lambda line: print(f"docket project: {line}", file=sys.stderr, flush=True))
        self.report_every = report_every

    def run(self, stop: threading.Event) -> None:
        """Runs until `stop` is set; a batch in progress is finished first, so a stop is always clean."""
        self.waker.open()  # LISTEN before the first catch-up, so no write can slip between the two
        how = f"woken by NOTIFY on {self.waker.channel}" if self.waker.listening else "polling"
        self.report(f"projecting {len(self.projector.projections)} read models from {self._positions()}; "
                    f"{how}, at least every {self.waker.poll_interval:g}s")
        backoff = 1.0
        try:
            while not stop.is_set():
                try:
                    self.catch_up(stop)
                except Exception:  # a failed batch was rolled back; try again, slower each time
                    log.exception("projection failed; retrying in %.0fs", backoff)
                    self.report(f"projection failed (see the log); retrying in {backoff:.0f}s")
                    stop.wait(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
                backoff = 1.0
                self.waker.wait(stop)
        finally:
            self.waker.close()
        self.report(f"stopped at positions {self._positions()}")

    def catch_up(self, stop: threading.Event) -> int:
        """Steps every read model until all are at the head, or until `stop`; returns the batches projected."""
        batches = 0
        started = last_report = time.monotonic()
        low = None
        while not stop.is_set():
            read = 0
            for projection in self.projector.projections:
                if stop.is_set():
                    break
                stepped = self.projector.step(projection)
                batches += stepped > 0
                read += stepped
            if read == 0:
                break
            now = time.monotonic()
            if now - last_report >= self.report_every:
                positions = self.projector.positions()
                if low is None:
                    low = min(positions.values(), default=0)
                    started = now
                else:
                    rate = (min(positions.values(), default=0) - low) / (now - started)
                    self.report(f"catching up at {rate:,.0f} events/s: positions {self._positions(positions)}, "
                                f"head {self.runtime.ledger.head()}")
                last_report = now
        return batches

    def _positions(self, positions: dict[str, int] | None = None) -> str:
        positions = self.projector.positions() if positions is None else positions
        low, high = min(positions.values(), default=0), max(positions.values(), default=0)
        return str(low) if low == high else f"{low}..{high}"


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT while the block runs; the previous handlers come back after."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)

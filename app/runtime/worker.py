"""`docket project`: a process of its own that keeps the read models up to date.

On PostgreSQL it LISTENs on the channel the eventsourcing library NOTIFYs when a write commits
(the events table's name), so it wakes as soon as there is something to project; it also polls
every `poll_interval` seconds, so a lost connection or a missed notification only delays it.
On SQLite, which has no notifications, it polls.

Each step projects one batch of one read model and records the position in the same
transaction (see Projector.step), under the read model's lock: a worker killed at any moment
resumes where the database says it stopped, and several workers or `docket serve` processes
may project the same database without writing anything twice. Given the projector lease, it
projects only while it holds it, so that one process reads and decodes each event once.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable

from eventsourcing import persistence

from app.read import store
from app.read.garbage import rarely_collected
from app.read.lease import Lease
from app.read.notifications import Waker, events_channel
from app.read.projector import LEASE_RETRY
from app.runtime.retrying import RetryPause
from app.runtime.wiring import Runtime

log = logging.getLogger(__name__)

FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
UNREACHABLE = (*store.UNREACHABLE, persistence.OperationalError, persistence.InterfaceError)
"""What a step raises when the database cannot be reached (a lost connection, a pool's timeout, a refused connect):
the read store's failures of the server, and the event store's as the library raises them."""
UNREACHABLE_PAUSE = 1.0
"""Seconds between tries while the database cannot be reached. A try costs a refused connection; a pause that had
doubled meanwhile would be slept out after the server came back (after a 34 s outage, ~27 s more behind)."""


def pause_after(error: Exception, pause: RetryPause) -> float:
    """Seconds until the next try after a failed catch-up: UNREACHABLE_PAUSE while the database cannot be reached
    (`pause` starts again from its first); otherwise `pause`'s next, which doubles with each failure in a row."""
    if isinstance(error, UNREACHABLE):
        pause.succeeded()
        return UNREACHABLE_PAUSE
    return pause.failed()


class ProjectionWorker:
    """Projects every read model until stopped; each batch is one transaction with its position."""

    def __init__(
        self,
        runtime: Runtime,
        poll_interval: float = 1.0,
        report: Callable[[str], None] | None = None,
        report_every: float = 10.0,
        lease: Lease | None = None,
    ) -> None:
        self.runtime = runtime
        self.lease = lease
        self._lease_checked: float | None = None
        self.projector = runtime.projector
        self.waker = Waker(events_channel(runtime.settings.database), poll_interval)
        self.report = report or (lambda line: print(f"docket project: {line}", file=sys.stderr, flush=True))
        self.report_every = report_every

    def run(self, stop: threading.Event) -> None:
        """Runs until `stop` is set; a batch in progress is finished first, so a stop is always clean."""
        self.waker.open()  # LISTEN before the first catch-up, so no write can slip between the two
        channel = self.waker.channel
        how = f"woken by NOTIFY on {channel.name}" if channel is not None and self.waker.listening else "polling"
        self.report(f"projecting {len(self.projector.projections)} read models from {self._positions()}; "
                    f"{how}, at least every {self.waker.poll_interval:g}s")
        pause = RetryPause(FIRST_BACKOFF, MAX_BACKOFF)
        with rarely_collected():  # this process serves nothing
            try:
                while not stop.is_set():
                    if not self._holds_lease():
                        stop.wait(LEASE_RETRY)
                        continue
                    try:
                        self.catch_up(stop)
                    except Exception as error:  # a failed batch was rolled back; try again
                        seconds = pause_after(error, pause)
                        if isinstance(error, UNREACHABLE):
                            log.warning("the database cannot be reached (%s); retrying in %.0fs", error, seconds)
                        else:
                            log.exception("projection failed; retrying in %.0fs", seconds)
                        self.report(f"projection failed (see the log); retrying in {seconds:.0f}s")
                        stop.wait(seconds)
                        continue
                    pause.succeeded()
                    self.waker.wait(stop)
            finally:
                self.waker.close()
                if self.lease is not None:
                    self.lease.release()
        self.report(f"stopped at positions {self._positions_at_stop()}")

    def _holds_lease(self) -> bool:
        """True without a lease; with one, whether this process holds it (the projector's `lead`), looked at every
        LEASE_RETRY seconds while it does."""
        if self.lease is None:
            return True
        now = time.monotonic()
        if self.projector.leading and self._lease_checked is not None and now - self._lease_checked < LEASE_RETRY:
            return True
        first, was = self._lease_checked is None, self.projector.leading
        self._lease_checked = now
        held = self.projector.lead(self.lease)
        if first or held != was:
            self.report("holds the projector lease: projecting" if held
                        else "another process projects this database; standing by until it stops")
        return held

    def catch_up(self, stop: threading.Event) -> int:
        """Steps every read model until all are at the head, or until `stop`; returns the batches projected."""
        batches = 0
        started = last_report = time.monotonic()
        low = None
        while not stop.is_set() and self.projector.step():
            batches += 1
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

    def _positions_at_stop(self) -> str:
        """The positions for the last report, or why they cannot be read: the stop is clean either way (each batch
        committed with its positions), so the worker still exits 0 when, say, the pool cannot get a connection in
        time on a loaded machine."""
        try:
            return self._positions()
        except Exception as error:  # noqa: BLE001 - only the report lacks them
            return f"unknown ({type(error).__name__}: {error})"

    def _positions(self, positions: dict[str, int] | None = None) -> str:
        positions = self.projector.positions() if positions is None else positions
        low, high = min(positions.values(), default=0), max(positions.values(), default=0)
        return str(low) if low == high else f"{low}..{high}"

"""Fails fast while the database is down: a watchdog probes it, and requests are refused until it answers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class DatabaseGate:
    """Open while the database answers its probe; closed from a failure until the next probe succeeds.

    The storage libraries retry a lost connection for many seconds before giving up, which is
    right for a blip and wrong for an outage: a client should get its 503 at once, and a
    watchdog finds the outage (and the recovery) within one probe interval.
    """

    def __init__(self, probe: Callable[[], None] | None, interval: float = 1.0) -> None:
        self._probe = probe
        self._interval = interval
        self._down = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def is_open(self) -> bool:
        return not self._down.is_set()

    def trip(self) -> None:
        """A request found the database unreachable; the watchdog reopens the gate when it answers."""
        if self._thread is not None:
            self._down.set()

    def start(self) -> None:
        if self._probe is not None and self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="docket-db-watchdog", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        assert self._probe is not None
        while not self._stop.is_set():
            try:
                self._probe()
            except Exception as error:  # noqa: BLE001 - any failure to answer means down
                if not self._down.is_set():
                    log.warning("database unreachable, answering 503 until it is back: %s", error)
                self._down.set()
            else:
                if self._down.is_set():
                    log.warning("database reachable again")
                self._down.clear()
            self._stop.wait(self._interval)

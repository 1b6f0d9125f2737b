"""Waking a waiting process when the database says something changed: LISTEN/NOTIFY on PostgreSQL.

Two channels matter. The eventsourcing library NOTIFYs on its own channel whenever a write of
events commits (the `docket project` worker wakes on it). The projector NOTIFYs on a channel of the
database schema's each time a read model's batch commits, so a process waiting to read its writes
(`minPosition`) wakes when another process has projected them, instead of looking every few
milliseconds. A notification only says "look again": a missed or spurious one costs a delay or a
read, never a wrong answer, so every waiter also looks again on a bound.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql as pgsql

from app.database import Database
from projections.sql import Sql

log = logging.getLogger(__name__)

IDENTIFIER_LENGTH = 63
"""PostgreSQL's longest channel name; a longer schema is cut, and schemas that then share a channel only
wake each other for nothing."""


class Waker:
    """Waits until something may have changed: a NOTIFY on `channel` (PostgreSQL), else the poll interval."""

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
        """LISTENs, if the database can notify; on failure the waiter polls and tries again later."""
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


@dataclass(frozen=True)
class Channel:
    """A NOTIFY channel of one PostgreSQL database and schema."""

    conninfo: str
    name: str

    def notify(self, sql: Sql, payload: str) -> None:
        """Notifies when the caller's transaction commits (not before, and not at all if it rolls back)."""
        sql.execute("SELECT pg_notify(?, ?)", (self.name, payload))

    def waker(self, poll_interval: float) -> Waker:
        return Waker(self.conninfo, self.name, poll_interval)


def projected_channel(database: Database) -> Channel | None:
    """Where the projector tells that read models moved on; None on SQLite, which cannot notify."""
    if not database.is_postgres:
        return None
    return Channel(database.conninfo(), f"docket_projected_{database.schema}"[:IDENTIFIER_LENGTH])

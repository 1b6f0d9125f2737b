"""The event store on SQLite: the library's, with writes waiting in line for SQLite's single writer.

The library's pool gives a writer 5 s to get its one writer connection, and a writer waiting for it blocks every
other request for a connection, readers' included. Here writers line up before the pool, in arrival order, each for
up to SQLITE_WRITE_TIMEOUT seconds; the one at the front finds the library's writer free, so nobody waits inside
the pool, and readers (WAL, on connections of their own) never wait for a writer. A write recording an account's
erasure deletes the account's key in its own transaction (`SQLiteKeys.shred`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ConnectionUnavailableError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteConnection, SQLiteConnectionPool, SQLiteCursor
from eventsourcing.sqlite import SQLiteFactory as LibrarySQLiteFactory
from eventsourcing.utils import Environment, EnvType

from app.config.database import SQLITE_WRITE_TIMEOUT as DEFAULT_WRITE_TIMEOUT
from app.write.subject_keys import SQLiteKeys

CONNECTIONS_KEPT = 8
"""Connections the pool keeps open between uses."""
CONNECTIONS_MAX = 64
"""Connections open at once, at most: more than the server's threadpool (40) runs requests on, so a reader never
waits for another's connection."""


class WriterLine:
    """A lock granted in arrival order, handed from each holder to the next; `acquire` gives up after a timeout."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=timeout):
            return True
        with self._mutex:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return False
        return True  # handed over between the timeout and taking the mutex

    def release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._held = False


class QueuedWritersPool(SQLiteConnectionPool):
    """The library's pool, behind a `WriterLine` for writers; `pool_timeout` bounds each wait in line."""

    def __init__(self, *, db_name: str, lock_timeout: int | None, write_timeout: float) -> None:
        super().__init__(
            db_name=db_name, lock_timeout=lock_timeout, pool_size=CONNECTIONS_KEPT,
            max_overflow=CONNECTIONS_MAX - CONNECTIONS_KEPT, pool_timeout=write_timeout,
        )
        self._line = WriterLine()

    def get_connection(self, timeout: float | None = None, *, is_writer: bool | None = None) -> SQLiteConnection:
        if is_writer is not True:
            return super().get_connection(timeout, is_writer=is_writer)
        wait = self.pool_timeout if timeout is None else timeout
        if not self._line.acquire(wait):
            raise ConnectionUnavailableError(f"waited {wait:g} s in line for SQLite's single writer")
        try:
            return super().get_connection(timeout, is_writer=True)
        except BaseException:
            self._line.release()
            raise

    def put_connection(self, conn: SQLiteConnection) -> None:
        was_writer = conn.is_writer is True
        try:
            super().put_connection(conn)
        finally:
            if was_writer:
                self._line.release()


class ShreddingRecorder(SQLiteApplicationRecorder):
    """The library's application recorder; an erasure's key goes in the transaction that stores it."""

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        SQLiteKeys.insert(c, kwargs.get("keys", ()))
        SQLiteKeys.shred(c, stored_events)
        return ids


class QueuedSQLiteFactory(LibrarySQLiteFactory):
    """The library's SQLite factory, its datastore on a `QueuedWritersPool` (the env key SQLITE_WRITE_TIMEOUT), its
    application recorder the `ShreddingRecorder`."""

    SQLITE_WRITE_TIMEOUT = "SQLITE_WRITE_TIMEOUT"
    application_recorder_class = ShreddingRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        library_pool = self.datastore.pool
        self.datastore.pool = QueuedWritersPool(
            db_name=library_pool.db_name,
            lock_timeout=library_pool.lock_timeout,
            write_timeout=float(self.env.get(self.SQLITE_WRITE_TIMEOUT, str(DEFAULT_WRITE_TIMEOUT))),
        )
        library_pool.close()

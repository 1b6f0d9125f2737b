"""Reads of the read models from the event loop: a query's statements sent as they are, each its own snapshot
(autocommit: no BEGIN, no SET TRANSACTION, no COMMIT), the first of them also asking whether a read model it reads
has stopped.

On PostgreSQL through psycopg's AsyncConnectionPool in the event loop itself: no thread, and no check of a connection
when it is taken (the availability watchdog answers 503 while the server is down; a connection found dead is
dropped and the read tried once more on another). On SQLite, which has no asynchronous driver, through a few threads
of the reader's own, each with its connection, so that reads never queue behind the threads requests share.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool

from app.config.database import SQLITE_BUSY_TIMEOUT
from app.read.failures import ReadModelStopped, read_models_of, stopped
from projections.sql import Query, Statement, Steps, marks

P = ParamSpec("P")
T = TypeVar("T")

SQLITE_READERS = 4
"""Threads that read a SQLite database at once, each on a connection of its own."""

_STOPPED = "SELECT count(*) FROM projection_failures WHERE name IN ({names})"
_CHECKED = "SELECT ({stopped}), s.* FROM ({statement}) s"
"""A read's statement, each of its rows led by the count of its read models that have stopped. (Its rows keep their
order: a join around the statement would let SQLite drop its ORDER BY.)"""
_CLOSED = " UNION ALL SELECT ({stopped}){nulls}"
"""A last row of the count alone, so that the count comes back when the statement finds nothing: once the statement's
width is known."""
WIDTHS = 4096
"""Statements whose width (their number of columns) a reader remembers."""


class Tally:
    """How many reads were made in a context (one request): a cache of its answer tells by it whether each read was
    one whose dependence was declared."""

    def __init__(self) -> None:
        self.reads = 0


TALLY: ContextVar[Tally | None] = ContextVar("docket_read_tally", default=None)
"""The tally of the request being served, if it keeps one."""


def counted() -> None:
    tally = TALLY.get()
    if tally is not None:
        tally.reads += 1


class Widths:
    """How many columns each statement sent answered with, as seen so far."""

    def __init__(self) -> None:
        self._known: dict[str, int] = {}

    def get(self, statement: str) -> int | None:
        return self._known.get(statement)

    def saw(self, statement: str, width: int) -> None:
        if len(self._known) >= WIDTHS and statement not in self._known:
            self._known.clear()  # statements of many lengths of IN lists: start again rather than grow
        self._known[statement] = width

    def forget(self, statement: str) -> None:
        self._known.pop(statement, None)


def refusing_stopped(names: Sequence[str], steps: Steps[T], widths: Widths) -> Steps[T]:
    """A read's steps, its first statement also counting the read models `names` that have stopped: ReadModelStopped
    when one has (their rows would be stale, or gone). One statement, whatever it finds, once `widths` knows the
    statement's width; until then a statement that finds no row counts nothing, and a second one looks."""
    try:
        statement, params = next(steps)
    except StopIteration as done:
        found: T = done.value
        return found
    if names:
        stopped_now = _STOPPED.format(names=marks(names))
        checked = _CHECKED.format(stopped=stopped_now, statement=statement)
        width = widths.get(checked)
        try:
            if width is None:
                rows = yield checked, (*names, *params)
                halted = rows[0][0] if rows else None
            else:
                closed = _CLOSED.format(stopped=stopped_now, nulls=", NULL" * (width - 1))
                rows = yield checked + closed, (*names, *params, *names)
                halted, rows = rows[-1][0], rows[:-1]
        except Exception:
            # A read model whose table was dropped by hand fails the statement: has it stopped (on that)? And a table
            # made anew may have other columns: learn the statement's width again.
            widths.forget(checked)
            failures = yield from stopped.steps(names)
            if failures:
                raise ReadModelStopped(failures.values()) from None
            raise
        if halted != 0:
            failures = yield from stopped.steps(names)
            if failures:
                raise ReadModelStopped(failures.values())
        rows = [row[1:] for row in rows]
    else:
        rows = yield statement, params
    while True:
        try:
            statement, params = steps.send(rows)
        except StopIteration as done:
            found = done.value
            return found
        rows = yield statement, params


class PostgresReader:
    """Reads on a pool of autocommit connections of the event loop it was opened in."""

    def __init__(self, conninfo: str, max_size: int) -> None:
        self.conninfo = conninfo
        self.max_size = max_size
        self._pool: AsyncConnectionPool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.widths = Widths()

    async def open(self) -> None:
        """Opens the pool in the running loop (a new one when the loop changed, as between test clients)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._pool = AsyncConnectionPool(self.conninfo, min_size=1, max_size=self.max_size, open=False, timeout=2,
                                             kwargs={"autocommit": True})
            self._loop = loop
        assert self._pool is not None
        if self._pool.closed:
            await self._pool.open()

    async def fetch(self, query: Query[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """What `query` finds, its read models checked."""
        counted()
        if self._pool is None or self._loop is not asyncio.get_running_loop() or self._pool.closed:
            await self.open()
        assert self._pool is not None
        names = read_models_of([query])
        for attempt in (1, 2):
            async with self._pool.connection() as connection:
                try:
                    return await self._run(connection, refusing_stopped(names, query.steps(*args, **kwargs),
                                                                        self.widths))
                except psycopg.OperationalError:
                    if attempt == 2 or not connection.broken:
                        raise
                    # A connection the server dropped (a restart): the pool discards it; another one reads.
        raise AssertionError("unreachable")

    async def _run(self, connection: psycopg.AsyncConnection[Any], steps: Steps[T]) -> T:
        async with connection.cursor() as cursor:
            try:
                statement = next(steps)
                while True:
                    try:
                        await self.send(cursor, statement)
                        rows = await cursor.fetchall()
                    except psycopg.Error as error:
                        statement = steps.throw(error)  # the read may look at why (in autocommit, it still can)
                        continue
                    statement = steps.send(rows)
            except StopIteration as done:
                found: T = done.value
                return found

    async def send(self, cursor: psycopg.AsyncCursor[Any], statement: Statement) -> None:
        """Sends one statement: every statement a read sends passes here."""
        await cursor.execute(statement[0].replace("?", "%s"), tuple(statement[1]))
        if cursor.pgresult is not None and self.widths.get(statement[0]) is None:
            self.widths.saw(statement[0], cursor.pgresult.nfields)  # not `description`: it builds every column

    async def close(self) -> None:
        if self._pool is not None and self._loop is asyncio.get_running_loop():
            await self._pool.close()
        self._pool = self._loop = None


class SqliteReader:
    """Reads on a few threads of its own, each with its connection to the database file."""

    def __init__(self, path: str, threads: int = SQLITE_READERS) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="docket-read")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.widths = Widths()

    async def open(self) -> None:
        """Nothing to open: a thread connects when it first reads."""

    async def fetch(self, query: Query[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """What `query` finds, its read models checked."""
        counted()
        steps = refusing_stopped(read_models_of([query]), query.steps(*args, **kwargs), self.widths)
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._run, steps)

    def _run(self, steps: Steps[T]) -> T:
        cursor = self._connection().cursor()
        try:
            statement = next(steps)
            while True:
                try:
                    self.send(cursor, statement)
                    rows = cursor.fetchall()
                except sqlite3.Error as error:
                    statement = steps.throw(error)  # the read may look at why
                    continue
                statement = steps.send(rows)
        except StopIteration as done:
            found: T = done.value
            return found
        finally:
            cursor.close()

    def send(self, cursor: sqlite3.Cursor, statement: Statement) -> None:
        """Sends one statement: every statement a read sends passes here."""
        cursor.execute(statement[0], tuple(statement[1]))
        if cursor.description is not None and self.widths.get(statement[0]) is None:
            self.widths.saw(statement[0], len(cursor.description))

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            # Autocommit (no BEGIN): each statement reads one snapshot of the WAL database.
            connection = sqlite3.connect(self.path, timeout=SQLITE_BUSY_TIMEOUT, isolation_level=None,
                                         check_same_thread=False)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    async def close(self) -> None:
        self._executor.shutdown(wait=True)
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()


Reader = PostgresReader | SqliteReader

"""Transactions on Docket's own read-model tables, on SQLite or PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

import orjson
import psycopg
from psycopg_pool import ConnectionPool

from app.config.database import POOL_CONNECTIONS, SQLITE_BUSY_TIMEOUT, Database, pool_shares
from app.read.copying import ColumnTypes, copy_rows, copyable
from app.read.failures import read_models_of, refuse_stopped
from app.read.reader import PostgresReader, SqliteReader
from projections.sql import Sql, marks

UNREACHABLE = (psycopg.OperationalError,)
"""What a statement raises when the server failed, not the statement: a connection lost, a timeout."""
COPY_FROM = 100
"""New rows of a table from which a batch writes them by COPY: fewer go as one JSON statement in the pipeline. A COPY
leaves the pipeline (a round trip for the writes before it) and takes one of its own, and a few hundred microseconds
of Python to set up, more than the JSON form costs a small batch (a live step's one to a few rows a table)."""


@lru_cache(maxsize=16384)
def _sqlite_timestamp(value: datetime) -> str:
    # A fixed-width UTC form, so that text comparison in SQL is time comparison. Cached: one event's time
    # is bound several times over (by each read model of a batch: the cache holds a batch's times), and formatting
    # costs more than a lookup.
    return (value if value.tzinfo is UTC else value.astimezone(UTC)).isoformat(timespec="microseconds")


sqlite3.register_adapter(datetime, _sqlite_timestamp)


class _SqliteSql:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(statement, tuple(params))

    def executemany(self, statement: str, params: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(statement, params)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], then: str = "") -> None:
        self._cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks(columns)}) {then}", rows)

    def insert_records(
        self, table: str, columns: Sequence[str], records: Sequence[Mapping[str, Any]], then: str = ""
    ) -> None:
        # As tuples: SQLite's module binds a named parameter by looking its name up in the row, several times dearer
        # than a tuple's item (~10 us a row of twenty columns), where itemgetter makes the tuple in C.
        self.insert_rows(table, columns, list(map(_values_of(columns), records)), then)

    def delete_matching(self, table: str, columns: Sequence[str], keys: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(f"DELETE FROM {table} WHERE " + " AND ".join(f"{c} = ?" for c in columns), keys)

    def select_matching(
        self, select: str, table: str, columns: Sequence[str], keys: Sequence[Sequence[Any]]
    ) -> list[tuple[Any, ...]]:
        if len(columns) == 1:
            condition, params = f"{columns[0]} IN ({marks(keys)})", [k[0] for k in keys]
        else:
            # Through a subquery: SQLite searches the index for `IN (SELECT ...)`, but scans the table for
            # `IN (VALUES ...)`.
            one = f"({marks(columns)})"
            listed = ", ".join(f"column{i}" for i in range(1, len(columns) + 1))
            condition = f"({', '.join(columns)}) IN (SELECT {listed} FROM (VALUES {', '.join([one] * len(keys))}))"
            params = [v for k in keys for v in k]
        return self._cursor.execute(select + condition, params).fetchall()

    def fetchone(self) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._cursor.fetchone()
        return row

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    def executescript(self, script: str) -> None:
        for statement in split_statements(script):
            self._cursor.execute(statement)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that an exception undoes alone, before it goes on."""
        self._cursor.execute("SAVEPOINT part")
        try:
            yield
        except BaseException:
            self._cursor.execute("ROLLBACK TO SAVEPOINT part")
            self._cursor.execute("RELEASE SAVEPOINT part")
            raise
        self._cursor.execute("RELEASE SAVEPOINT part")


class SqliteReadStore:
    """One connection per thread; a write transaction takes SQLite's write lock at once."""

    engine = "sqlite"

    def __init__(self, database: Database) -> None:
        self._path = str(database.sqlite_path)
        self._local = threading.local()
        self.reader = SqliteReader(self._path)
        """Where queries read from the event loop."""

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self._path, timeout=SQLITE_BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection = connection
        return connection

    @contextmanager
    def transaction(
        self, write: bool = True, locks: Sequence[str] = (), snapshot: bool = False, checked: bool = True
    ) -> Iterator[_SqliteSql]:
        """One transaction; a writing one holds SQLite's single write lock, which serialises writers. A reading one
        sees one snapshot from its first read (WAL), `snapshot` or not (`checked` is PostgreSQL's)."""
        connection = self._connection()
        cursor = connection.cursor()
        cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield _SqliteSql(cursor)
        except BaseException:
            connection.rollback()
            raise
        else:
            connection.commit()
        finally:
            cursor.close()

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


class _PostgresSql:
    """Statements of one transaction. A writing one sends writes in psycopg's pipeline mode, opened at the first write
    after a read and closed (every result received) at the next read, sent with them, or before a COPY, which it
    does not support."""

    def __init__(
        self, cursor: psycopg.Cursor[Any], types: ColumnTypes, pipelined: bool = False, copy_from: int = 1
    ) -> None:
        self._cursor = cursor
        self._types = types
        self._copy_from = copy_from
        self._pipelined = pipelined
        self._pipeline: AbstractContextManager[psycopg.Pipeline] | None = None

    def _sending(self) -> psycopg.Cursor[Any]:
        if self._pipelined and self._pipeline is None:
            self._pipeline = self._cursor.connection.pipeline()
            self._pipeline.__enter__()
        return self._cursor

    def settle(self, failed: BaseException | None = None) -> psycopg.Cursor[Any]:
        """Leaves pipeline mode, if in it, once every result has come (a failed write raises here, unless `failed`
        is on its way already)."""
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            try:
                pipeline.__exit__(None if failed is None else type(failed), failed, None)
            except psycopg.errors.PipelineAborted as aborted:
                # Where the failed write's result came before the statements after it were answered, psycopg raises
                # their abort in its place (the failure as its context): the failure is what the caller is owed.
                if isinstance(aborted.__context__, psycopg.Error):
                    raise aborted.__context__ from None
                raise
        return self._cursor

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._sending().execute(statement.replace("?", "%s"), tuple(params))

    def executemany(self, statement: str, params: Sequence[Sequence[Any]]) -> None:
        if params:
            self._sending().executemany(statement.replace("?", "%s"), params)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], then: str = "") -> None:
        if then or not self._copied(table, columns, rows):
            self._insert_json(table, columns, [dict(zip(columns, row, strict=True)) for row in rows], then)

    def insert_records(
        self, table: str, columns: Sequence[str], records: Sequence[Mapping[str, Any]], then: str = ""
    ) -> None:
        if then or not self._copied(table, columns, list(map(_values_of(columns), records))):
            self._insert_json(table, columns, records, then)

    def _copied(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bool:
        """Whether new `rows` went by binary COPY (see app/read/copying.py); they go no way when it says no, nor when
        they are fewer than COPY_FROM."""
        if not rows:
            return True
        if len(rows) < self._copy_from:
            return False
        # Out of the pipeline only to copy (or to look a table's types up once): rows that go as JSON stay in it.
        types = self._types.of(self.settle, table, columns)
        if types is None or not copyable(types, rows):
            return False
        copy_rows(self.settle(), table, columns, types, rows)
        return True

    def _insert_json(self, table: str, columns: Sequence[str], records: Sequence[Mapping[str, Any]], then: str) -> None:
        # One statement whatever the number of rows, its text the same each time (so prepared once): the rows go
        # as one JSON parameter, which the server turns into rows of the table's own type. A statement a row, even
        # pipelined, costs the server an execution each.
        listed = ", ".join(columns)
        self._sending().execute(
            f"INSERT INTO {table} ({listed}) SELECT {listed} FROM json_populate_recordset(NULL::{table}, %s) {then}",
            (orjson.dumps(records).decode(),),
        )

    def delete_matching(self, table: str, columns: Sequence[str], keys: Sequence[Sequence[Any]]) -> None:
        # One statement, not one a key: each costs the server an execution, even pipelined.
        self._sending().execute(f"DELETE FROM {table} WHERE {_matching(table, columns)}", (_as_json(columns, keys),))

    def select_matching(
        self, select: str, table: str, columns: Sequence[str], keys: Sequence[Sequence[Any]]
    ) -> list[tuple[Any, ...]]:
        # The keys as one JSON parameter, as insert_rows sends rows: one statement text however many keys. After
        # writes it goes in their pipeline: their results and its come back in one round trip, not two.
        statement, params = select + _matching(table, columns), (_as_json(columns, keys),)
        if self._pipeline is None:
            return self._cursor.execute(statement, params).fetchall()
        self._cursor.execute(statement, params)
        return self.settle().fetchall()

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.settle().fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.settle().fetchall()

    def executescript(self, script: str) -> None:
        for statement in split_statements(script):
            self._sending().execute(statement.encode())

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that an exception undoes alone, before it goes on: its writes' results all come
        before it ends, so a failed statement of the part raises in it."""
        self.settle()
        with self._cursor.connection.transaction():
            try:
                yield
            except BaseException as error:
                self.settle(error)
                raise
            self.settle()


def _values_of(columns: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A record's values of `columns`, as a tuple (made in C)."""
    return itemgetter(*columns) if len(columns) > 1 else lambda record: (record[columns[0]],)


def _matching(table: str, columns: Sequence[str]) -> str:
    """A condition that a row's `columns` hold those of one of the rows of a JSON parameter (see `_as_json`)."""
    listed = ", ".join(columns)
    return f"({listed}) IN (SELECT {listed} FROM json_populate_recordset(NULL::{table}, %s))"


def _as_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows as a JSON array of objects by column, as `json_populate_recordset` reads them."""
    if len(columns) == 1:  # most keys: a dict display costs an eighth of `dict(zip(...))`
        column = columns[0]
        return orjson.dumps([{column: value} for (value,) in rows]).decode()
    return orjson.dumps([dict(zip(columns, row, strict=True)) for row in rows]).decode()


class PostgresReadStore:
    """A connection pool; a named lock is a transaction-scoped advisory lock, held until commit."""

    engine = "postgres"

    def __init__(self, database: Database, max_size: int = 8, copy_from: int = COPY_FROM) -> None:
        # Half the connections for queries, which read from the event loop (opened there, by the app's lifespan);
        # half for the projector and for reads within a write.
        self.conninfo = database.conninfo()
        self.reader = PostgresReader(self.conninfo, max_size=max(1, max_size // 2))
        """Where queries read from the event loop."""
        # Checked before use, so a restarted server costs no failed request once it is back; a short wait,
        # so a request while it is down fails fast (503) instead of queueing.
        self._types = ColumnTypes()
        """The read models' column types, as COPY needs them."""
        self._copy_from = copy_from
        self.pool = ConnectionPool(self.conninfo, min_size=1, max_size=max(1, max_size - max_size // 2), open=True,
                                   kwargs={"autocommit": True}, check=_check_unless_unchecked, timeout=2)

    @contextmanager
    def transaction(
        self, write: bool = True, locks: Sequence[str] = (), snapshot: bool = False, checked: bool = True
    ) -> Iterator[_PostgresSql]:
        """One transaction; writers that share one of their `locks` run one at a time (take them in one order). A
        reading one with `snapshot` sees the database as of its first statement throughout (REPEATABLE READ, which
        a read-only transaction may take without ever failing to serialize); else each statement sees what was
        committed before it.

        A writing transaction sends its writes in psycopg's pipeline mode: a write (or taking a lock) is sent without
        waiting for its result, so a projection's writes between two of its reads cost one round trip, not one each
        (the projector's catch-up runs twice as fast). Its BEGIN and COMMIT go in the pipeline too, and a read after
        writes goes with them: a live step of the projector costs three round trips and its read models' reads. A
        failed statement then raises its own error at the next read, COPY or at commit, and the whole transaction
        rolls back as before.

        Not `checked`, the connection is taken from the pool without the round trip that makes sure it still works:
        the caller tries again should it not (the projector's steps, see `Projector._step`).
        """
        told = _unchecked.set(not checked)
        try:
            with self.pool.connection() as connection, connection.cursor() as cursor:
                if not write:
                    with connection.transaction():
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY" if snapshot
                                       else "SET TRANSACTION READ ONLY")
                        yield _PostgresSql(cursor, self._types)
                    return
                sql = _PostgresSql(cursor, self._types, pipelined=True, copy_from=self._copy_from)
                try:
                    # BEGIN and COMMIT are statements of the pipeline (so the pool's connections are autocommit):
                    # psycopg's own transaction waits for its BEGIN's answer, a round trip of its own. The BEGIN goes
                    # with the first statements; when the last were writes, the COMMIT goes with them, their results
                    # and its coming back in one round trip (`settle`). On an exception the pool's block rolls back.
                    sql.execute("BEGIN")
                    if locks:  # one statement, which takes them in the order given
                        sql.execute("SELECT pg_advisory_xact_lock(hashtext(lock)) FROM unnest(?::text[]) AS lock",
                                    (list(locks),))
                    yield sql
                    sql.execute("COMMIT")
                except BaseException as error:
                    sql.settle(error)
                    raise
                sql.settle()
        finally:
            _unchecked.reset(told)

    def ping(self) -> None:
        """Raises unless the server answers now: a connection of its own, not one the pool may wait for."""
        with psycopg.connect(self.conninfo, connect_timeout=2) as connection:
            connection.execute("SELECT 1")

    def close(self) -> None:
        self.pool.close()


_unchecked: ContextVar[bool] = ContextVar("unchecked", default=False)
"""Whether the transaction being begun takes its connection unchecked (see `PostgresReadStore.transaction`)."""


def _check_unless_unchecked(connection: psycopg.Connection[Any]) -> None:
    """The pool's check of a connection it gives out: a round trip, unless the transaction asked for none."""
    if not _unchecked.get():
        ConnectionPool.check_connection(connection)


ReadStore = SqliteReadStore | PostgresReadStore


def open_read_store(database: Database, connections: int = POOL_CONNECTIONS) -> ReadStore:
    """The read store; on PostgreSQL, its pool is the read models' share of `connections` (see `pool_shares`)."""
    if database.is_postgres:
        return PostgresReadStore(database, max_size=pool_shares(connections)[1])
    return SqliteReadStore(database)


def split_statements(script: str) -> list[str]:
    """The statements of a migration file: `;` at the end of a line ends one, outside `$$` quotes."""
    statements, current = [], []
    quoted = False
    for line in script.splitlines():
        if line.strip().startswith("--") and not quoted:
            continue
        current.append(line)
        quoted ^= line.count("$$") % 2 == 1
        if line.rstrip().endswith(";") and not quoted:
            statements.append("\n".join(current).strip().rstrip(";"))
            current = []
    tail = "\n".join(current).strip()
    if tail:
        statements.append(tail)
    return [s for s in statements if s]


@contextmanager
def reading(store: ReadStore, *queries: Callable[..., Any], snapshot: bool = False) -> Iterator[Sql]:
    """A read-only transaction for read functions of projections' queries modules; ReadModelStopped when a read model
    they read has stopped at an event it cannot apply (its rows would be stale, or gone). With `snapshot`, every read
    sees the same moment: read models' rows and positions that belong together."""
    with store.transaction(write=False, snapshot=snapshot) as sql:
        refuse_stopped(sql, read_models_of(queries))
        yield sql


def read(store: ReadStore, query: Any, *args: Any) -> Any:
    """Runs one read function of a projection's queries module in its own read-only transaction."""
    with reading(store, query) as sql:
        return query(sql, *args)

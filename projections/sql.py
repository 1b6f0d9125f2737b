"""The one SQL surface projections write through, the same on SQLite and PostgreSQL.

Statements use `?` placeholders and portable SQL; timestamps go in and come out as aware
datetimes, ids as text, JSON as text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Generator, Mapping, Sequence
from typing import Any, Generic, ParamSpec, Protocol, TypeVar

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")
P = ParamSpec("P")

Statement = tuple[str, Sequence[Any]]
"""A statement with `?` placeholders and its parameters."""
Steps = Generator[Statement, list[tuple[Any, ...]], T]
"""A read written as the statements it sends: it yields each, is sent back its rows, and returns what it found."""


class Sql(Protocol):
    def execute(self, statement: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, statement: str, params: Sequence[Sequence[Any]]) -> None:
        """Runs one statement for each parameter row: one call, however many rows."""

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], then: str = "") -> None:
        """`INSERT INTO table (columns)` the rows, followed by `then` (an ON CONFLICT clause): on PostgreSQL one
        statement for all of them, on SQLite one prepared statement run for each."""

    def insert_records(
        self, table: str, columns: Sequence[str], records: Sequence[Mapping[str, Any]], then: str = ""
    ) -> None:
        """`insert_rows` of rows given as a value by column, each holding every one of `columns`."""

    def delete_matching(self, table: str, columns: Sequence[str], keys: Sequence[Sequence[Any]]) -> None:
        """Deletes the rows of `table` whose `columns` hold one of `keys`: on PostgreSQL one statement for all of them,
        on SQLite one prepared statement run for each."""

    def select_matching(
        self, select: str, table: str, columns: Sequence[str], keys: Sequence[Sequence[Any]]
    ) -> list[tuple[Any, ...]]:
        """The rows of `select` (`SELECT ... FROM table WHERE `) whose `columns` hold one of `keys`, in one
        statement."""

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...


def in_clause(column: str, values: Collection[str] | None) -> tuple[str, list[Any]]:
    """An ` AND column IN (...)` clause and its parameters; nothing when `values` is None (no restriction)."""
    if values is None:
        return "", []
    listed = list(values)
    if not listed:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join('?' * len(listed))})", listed


def marks(values: Collection[Any]) -> str:
    """As many `?` placeholders as `values`, for an `IN (...)` list."""
    return ", ".join("?" * len(values))


def at_positions(wanted: Sequence[int]) -> tuple[str, list[Any]]:
    """A condition that `position` is among `wanted` (ascending), and its parameters: a range when they lie close
    together, as a page of the ledger does (one statement text whatever the page; rows in the range that are not
    wanted come too), else a list."""
    if wanted and wanted[-1] - wanted[0] < 2 * len(wanted):
        return "position >= ? AND position <= ?", [wanted[0], wanted[-1]]
    return f"position IN ({marks(wanted)})", list(wanted)


def grouped(keys: Sequence[K], rows: Sequence[tuple[K, V]]) -> dict[K, list[V]]:
    """Each key's values, in the order the rows came, with an empty list for a key no row has."""
    found: dict[K, list[V]] = {key: [] for key in keys}
    for key, value in rows:
        found[key].append(value)
    return found


def equal_to(pairs: Sequence[tuple[str, Any]]) -> tuple[list[str], list[Any]]:
    """`column = ?` conditions and their parameters for the pairs whose value is given (not None)."""
    given = [(column, value) for column, value in pairs if value is not None]
    return [f"{column} = ?" for column, _ in given], [value for _, value in given]


class Query(Generic[P, T]):
    """A read of read models, written once as its steps and run either way: called with an Sql, it sends them
    there (in the caller's transaction); `steps` gives them to an asynchronous reader (app/read/reader.py)."""

    def __init__(self, steps: Callable[P, Steps[T]], reads: Sequence[Callable[..., Any]] = ()) -> None:
        self.steps = steps
        self.reads = tuple(reads)
        """The queries whose steps it sends, when it is made of others' (their read models are the ones it reads)."""
        functools.update_wrapper(self, steps)

    def __call__(self, sql: Sql, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return run_steps(sql, self.steps(*args, **kwargs))


def query(steps: Callable[P, Steps[T]]) -> Query[P, T]:
    """Makes a generator of statements a Query (a decorator)."""
    return Query(steps)


def query_of(*reads: Callable[..., Any]) -> Callable[[Callable[P, Steps[T]]], Query[P, T]]:
    """Makes a generator that sends the steps of the queries `reads` a Query (a decorator)."""
    return lambda steps: Query(steps, reads)


def first(rows: list[tuple[Any, ...]]) -> tuple[Any, ...] | None:
    """The first of a statement's rows; None when it found none."""
    return rows[0] if rows else None


def run_steps(sql: Sql, steps: Steps[T]) -> T:
    """Sends a read's statements through `sql`, one after the other, and returns what the read found."""
    try:
        statement = next(steps)
        while True:
            sql.execute(*statement)
            statement = steps.send(sql.fetchall())
    except StopIteration as done:
        found: T = done.value
        return found


"""The one SQL surface projections write through, the same on SQLite and PostgreSQL.

Statements use `?` placeholders and portable SQL; timestamps go in and come out as aware
datetimes, ids as text, JSON as text.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Protocol, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Sql(Protocol):
    def execute(self, statement: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, statement: str, params: Sequence[Sequence[Any]]) -> None:
        """Runs one statement for each parameter row: one call, however many rows."""

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], then: str = "") -> None:
        """`INSERT INTO table (columns)` the rows, followed by `then` (an ON CONFLICT clause): on PostgreSQL one
        statement for all of them, on SQLite one prepared statement run for each."""

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

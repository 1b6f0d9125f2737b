"""The statements a read model sends for one batch: the set-based form costs a few a table, none an event."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.read.store import ReadStore
from projections.base import Projection
from projections.sql import Sql


class CountingSql:
    """An Sql that records the statements sent through it, each with the rows it bound."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql
        self.sent: list[tuple[str, int]] = []

    @property
    def statements(self) -> int:
        return len(self.sent)

    def kinds(self) -> list[tuple[str, int]]:
        """Each statement sent as its first word and the rows it bound."""
        return [(statement.split()[0], rows) for statement, rows in self.sent]

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.sent.append((statement, 1))
        self.sql.execute(statement, params)

    def executemany(self, statement: str, params: Sequence[Sequence[Any]]) -> None:
        self.sent.append((statement, len(params)))
        self.sql.executemany(statement, params)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], then: str = "") -> None:
        self.sent.append((f"INSERT INTO {table} {then}", len(rows)))
        self.sql.insert_rows(table, columns, rows, then)

    def select_matching(
        self, select: str, table: str, columns: Sequence[str], keys: Sequence[Sequence[Any]]
    ) -> list[tuple[Any, ...]]:
        self.sent.append((select, 1))
        return self.sql.select_matching(select, table, columns, keys)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.sql.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.sql.fetchall()


def statements_of_batch(store: ReadStore, projection: Projection, events: Sequence[object]) -> int:
    """How many statements `projection` sends to apply `events` as one batch, numbered from 1."""
    with store.transaction() as sql:
        counting = CountingSql(sql)
        projection.apply_batch(list(enumerate(events, start=1)), counting)
        return counting.statements


def statements_of_one_and_many(
    store: ReadStore, projection: Projection, work: Callable[[range], Sequence[object]]
) -> tuple[int, int]:
    """The statements of a batch of `work` on one item, and of a batch of the same work on 40 others."""
    one, many = (statements_of_batch(store, projection, work(items)) for items in (range(1), range(1, 41)))
    return one, many

"""Counting statements: those a read model sends for one batch (the set-based form costs a few a table, none an
event), and those a query sends to read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from app.read import store
from app.read.reader import PostgresReader, SqliteReader
from app.read.store import ReadStore
from projections.base import Projection
from projections.sql import Sql


class CountingSql:
    """An Sql that records the statements sent through it, each with the rows it bound (or only their text, in a
    list it is given)."""

    def __init__(self, sql: Sql, texts: list[str] | None = None) -> None:
        self.sql = sql
        self.sent: list[tuple[str, int]] = []
        self.texts = texts

    @property
    def statements(self) -> int:
        return len(self.sent)

    def kinds(self) -> list[tuple[str, int]]:
        """Each statement sent as its first word and the rows it bound."""
        return [(statement.split()[0], rows) for statement, rows in self.sent]

    def _note(self, statement: str, rows: int) -> None:
        self.sent.append((statement, rows))
        if self.texts is not None:
            self.texts.append(statement)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._note(statement, 1)
        self.sql.execute(statement, params)

    def executemany(self, statement: str, params: Sequence[Sequence[Any]]) -> None:
        self._note(statement, len(params))
        self.sql.executemany(statement, params)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], then: str = "") -> None:
        self._note(f"INSERT INTO {table} {then}", len(rows))
        self.sql.insert_rows(table, columns, rows, then)

    def insert_records(
        self, table: str, columns: Sequence[str], records: Sequence[Mapping[str, Any]], then: str = ""
    ) -> None:
        self._note(f"INSERT INTO {table} {then}", len(records))
        self.sql.insert_records(table, columns, records, then)

    def delete_matching(self, table: str, columns: Sequence[str], keys: Sequence[Sequence[Any]]) -> None:
        self._note(f"DELETE FROM {table}", len(keys))
        self.sql.delete_matching(table, columns, keys)

    def select_matching(
        self, select: str, table: str, columns: Sequence[str], keys: Sequence[Sequence[Any]]
    ) -> list[tuple[Any, ...]]:
        self._note(select, 1)
        return self.sql.select_matching(select, table, columns, keys)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.sql.fetchone()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        self._note("SAVEPOINT", 1)
        with self.sql.savepoint():  # type: ignore[attr-defined]
            yield

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


@contextmanager
def reads_counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement sent to read while the block runs, on either engine: by the readers of the event loop, and in
    read-only transactions (the projector, which writes, is not counted)."""
    sent: list[str] = []
    for reader in (PostgresReader, SqliteReader):
        original_send = reader.send

        def send(self: Any, cursor: Any, statement: Any, _original: Any = original_send) -> Any:
            sent.append(statement[0])
            return _original(self, cursor, statement)

        monkeypatch.setattr(reader, "send", send)
    _count_transactions(monkeypatch, sent, writing=False)
    yield sent
    monkeypatch.undo()


@contextmanager
def writes_counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement sent in writing transactions of the read store while the block runs (the projector's steps),
    on either engine, but for the locks a transaction takes as it begins."""
    sent: list[str] = []
    _count_transactions(monkeypatch, sent, writing=True)
    yield sent
    monkeypatch.undo()


def _count_transactions(monkeypatch: pytest.MonkeyPatch, sent: list[str], writing: bool) -> None:
    """Counts the statements of the read store's transactions that write (`writing`), or of those that read."""
    for engine in (store.SqliteReadStore, store.PostgresReadStore):
        original = engine.transaction

        @contextmanager
        def counting(self: Any, write: bool = True, locks: Any = (), _original: Any = original, **kwargs: Any
                     ) -> Iterator[Any]:
            with _original(self, write, locks, **kwargs) as sql:
                yield CountingSql(sql, sent) if write == writing else sql

        monkeypatch.setattr(engine, "transaction", counting)

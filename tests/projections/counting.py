"""An Sql that counts the statements a read model sends through it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.sql import Sql


class CountingSql:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql
        self.statements = 0

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.statements += 1
        self.sql.execute(statement, params)

    def executemany(self, statement: str, params: Sequence[Sequence[Any]]) -> None:
        self.statements += 1
        self.sql.executemany(statement, params)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], then: str = "") -> None:
        self.statements += 1
        self.sql.insert_rows(table, columns, rows, then)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.sql.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.sql.fetchall()

"""The one SQL surface projections write through, the same on SQLite and PostgreSQL.

Statements use `?` placeholders and portable SQL; timestamps go in and come out as aware
datetimes, ids as text, JSON as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


def one_of(column: str, values: Sequence[Any]) -> str:
    """`column IN (?, ...)` for the values; with none, a condition nothing meets."""
    return f"{column} IN ({', '.join('?' * len(values))})" if values else "1 = 0"


class Sql(Protocol):
    def execute(self, statement: str, params: Sequence[Any] = ()) -> None: ...

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...

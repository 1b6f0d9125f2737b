"""What a read model does when an account's personal data is erased: the fields it copied from sealed event fields
read as ERASED at once, as a rebuild would show them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.account_data import ERASED, AccountData
from projections.sql import Sql


def erased_accounts(events: Sequence[tuple[int, Any]]) -> list[str]:
    """The accounts whose erasure is among `events`."""
    return [e.account_id for _, e in events if isinstance(e, AccountData.Erased)]


def blank(sql: Sql, table: str, column: str, accounts: list[str], value: str = ERASED, also: str = "") -> None:
    """Sets `column` of the accounts' rows of `table` to `value` (ERASED), in one statement; `also` narrows the rows
    further (an SQL condition)."""
    if not accounts:
        return
    marks = ", ".join("?" * len(accounts))
    sql.execute(f"UPDATE {table} SET {column} = ? WHERE account_id IN ({marks}){also}", (value, *accounts))

"""Fixtures of the integration tests."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from psycopg.sql import Composable


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements the test's own thread sends, as their text."""
    statements: list[str] = []
    execute, thread = psycopg.Cursor.execute, threading.get_ident()

    def counted(cursor: psycopg.Cursor[Any], statement: Any, *args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == thread:
            text = statement.as_string(cursor) if isinstance(statement, Composable) else statement
            statements.append(text.decode() if isinstance(text, bytes) else str(text))
        return execute(cursor, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    return statements

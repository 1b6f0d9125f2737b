"""New read-model rows go to PostgreSQL by binary COPY when their values allow it, else as JSON: the same rows either
way, and the same failures."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import psycopg
import pytest

from app.config.database import Database
from app.read.copying import copyable
from app.read.store import PostgresReadStore

pytestmark = pytest.mark.postgres

COLUMNS = ("id", "label", "count", "big", "ratio", "flag", "at")
TYPES = ["text", "text", "int4", "int8", "float8", "bool", "timestamptz"]
AT = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)


class Colour(StrEnum):
    RED = "red"


@pytest.fixture
def store(postgres_url: str) -> Iterator[PostgresReadStore]:
    read_store = PostgresReadStore(Database.parse(postgres_url), copy_from=1)  # every new row by COPY it can go by
    with read_store.transaction() as sql:
        sql.execute("CREATE TABLE things (id text PRIMARY KEY, label text, count integer, big bigint, "
                    "ratio double precision, flag boolean, at timestamptz)")
    yield read_store
    read_store.close()


def stored(store: PostgresReadStore) -> list[tuple[Any, ...]]:
    with store.transaction(write=False) as sql:
        sql.execute(f"SELECT {', '.join(COLUMNS)} FROM things ORDER BY id")
        return sql.fetchall()


def row(key: str, **changes: Any) -> tuple[Any, ...]:
    values = {"id": key, "label": "a", "count": 3, "big": 2**40, "ratio": 0.5, "flag": True, "at": AT} | changes
    return tuple(values[c] for c in COLUMNS)


def test_values_of_their_columns_types_are_copyable() -> None:
    assert copyable(TYPES, [row("a"), row("b", label=None, count=None, ratio=1, at=None, flag=False)])
    assert copyable(TYPES, [row("a", label=Colour.RED)])


@pytest.mark.parametrize("changes", [
    {"id": uuid.UUID(int=1)},
    {"count": True},
    {"ratio": False},
    {"count": 2**31},
    {"at": AT.replace(tzinfo=None)},
    {"at": AT.isoformat()},
])
def test_other_values_are_not_copyable(changes: dict[str, Any]) -> None:
    assert not copyable(TYPES, [row("a"), row("b", **changes)])


def test_rows_copied_and_rows_sent_as_json_are_stored_alike(store: PostgresReadStore) -> None:
    copied = [row("a"), row("b", label=Colour.RED, count=None, ratio=2, flag=False)]
    as_json = [row("c", id=uuid.UUID(int=3)), row("d", at=AT.isoformat())]  # neither copyable: JSON converts them
    with store.transaction() as sql:
        sql.insert_rows("things", COLUMNS, copied)
        sql.insert_records("things", COLUMNS, [dict(zip(COLUMNS, r, strict=True)) for r in as_json])

    assert stored(store) == [
        ("00000000-0000-0000-0000-000000000003", "a", 3, 2**40, 0.5, True, AT),
        ("a", "a", 3, 2**40, 0.5, True, AT),
        ("b", "red", None, 2**40, 2.0, False, AT),
        ("d", "a", 3, 2**40, 0.5, True, AT),
    ]


def test_a_copied_row_whose_key_is_stored_fails_as_an_insert_does(store: PostgresReadStore) -> None:
    with store.transaction() as sql:
        sql.insert_rows("things", COLUMNS, [row("a")])
    with pytest.raises(psycopg.errors.UniqueViolation), store.transaction() as sql:
        sql.insert_rows("things", COLUMNS, [row("b"), row("a", label="again")])

    assert stored(store) == [row("a")]


def test_a_number_out_of_its_columns_range_is_refused_not_wrapped(store: PostgresReadStore) -> None:
    with pytest.raises(psycopg.errors.NumericValueOutOfRange), store.transaction() as sql:
        sql.insert_rows("things", COLUMNS, [row("a", count=2**31)])

    assert stored(store) == []


def test_a_failed_write_raises_at_the_next_read_and_undoes_the_transaction(store: PostgresReadStore) -> None:
    with pytest.raises(psycopg.errors.NotNullViolation), store.transaction() as sql:
        sql.execute("INSERT INTO things (id) VALUES (?)", ("first",))
        sql.execute("INSERT INTO things (id) VALUES (?)", (None,))
        sql.execute("SELECT count(*) FROM things")
        sql.fetchall()

    assert stored(store) == []


def test_a_failed_part_is_undone_alone(store: PostgresReadStore) -> None:
    with store.transaction() as sql:
        sql.insert_rows("things", COLUMNS, [row("a")])
        with pytest.raises(psycopg.errors.UniqueViolation), sql.savepoint():
            sql.insert_rows("things", COLUMNS, [row("b")])
            sql.execute("INSERT INTO things (id) VALUES (?)", ("a",))
        sql.insert_rows("things", COLUMNS, [row("c")])

    assert [r[0] for r in stored(store)] == ["a", "c"]


def test_fewer_new_rows_than_copy_from_go_in_the_pipeline_and_fail_at_the_next_read(
    store: PostgresReadStore, postgres_url: str
) -> None:
    with store.transaction() as sql:
        sql.insert_rows("things", COLUMNS, [row("a")])
    few = PostgresReadStore(Database.parse(postgres_url), copy_from=3)
    written = []
    try:
        with pytest.raises(psycopg.errors.UniqueViolation), few.transaction() as sql:
            sql.insert_rows("things", COLUMNS, [row("b"), row("a", label="again")])
            written.append("sent, not yet answered")  # a COPY would have raised here
            sql.execute("SELECT count(*) FROM things")
            sql.fetchall()
    finally:
        few.close()

    assert written and stored(store) == [row("a")]

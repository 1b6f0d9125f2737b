"""A batch's rows of a table: read in a bounded number of statements, written as net changes, on both engines."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest

from app.read.store import ReadStore
from app.runtime.wiring import Runtime
from projections.batch import CHUNK, Key, Row, Table, write_all
from tests.projections.statements import CountingSql

SCRATCH = Table(
    "batch_scratch", key=("shard", "item"), columns=("shard", "item", "note", "seen_at", "done"),
    times=("seen_at",), flags=("done",),
)
REFUSED = (sqlite3.IntegrityError, psycopg.errors.UniqueViolation)
"""What each engine raises for a second row under one primary key."""
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def store(runtime: Runtime) -> ReadStore:
    """The runtime's migrated read store, with a table of a composite key, a time and a flag."""
    with runtime.store.transaction() as sql:
        sql.execute(
            "CREATE TABLE batch_scratch (shard TEXT NOT NULL, item INTEGER NOT NULL, note TEXT NOT NULL, "
            "seen_at TIMESTAMPTZ, done BOOLEAN, PRIMARY KEY (shard, item))"
        )
    return runtime.store


@contextmanager
def counting(store: ReadStore) -> Iterator[CountingSql]:
    """A write transaction of the read store, its statements counted."""
    with store.transaction() as sql:
        yield CountingSql(sql)


def row(shard: str, item: int, note: str = "first", seen_at: datetime | None = AT, done: bool | None = False) -> Row:
    return {"shard": shard, "item": item, "note": note, "seen_at": seen_at, "done": done}


def stored(store: ReadStore, *rows: Row) -> None:
    """Stores rows with a plain INSERT, in a transaction of their own."""
    with store.transaction() as sql:
        sql.executemany(
            "INSERT INTO batch_scratch (shard, item, note, seen_at, done) VALUES (?, ?, ?, ?, ?)",
            [tuple(r.values()) for r in rows],
        )


def table(store: ReadStore) -> dict[Key, tuple[Any, ...]]:
    """The table's rows by key, as stored (SQLite's text times and integer flags left as they are)."""
    with store.transaction(write=False) as sql:
        sql.execute("SELECT shard, item, note, seen_at, done FROM batch_scratch")
        return {(r[0], r[1]): tuple(r[2:]) for r in sql.fetchall()}


def test_many_keys_are_fetched_a_chunk_a_statement_and_a_key_without_a_row_reads_as_none(store: ReadStore) -> None:
    evens = range(0, 2 * CHUNK, 2)
    stored(store, *[row("a", i) for i in evens])
    keys = [("a", i) for i in range(2 * CHUNK + 100)] + [("b", 0)]
    rows = SCRATCH.rows()

    with counting(store) as counted:
        rows.fetch(counted, keys + keys[:10])
        assert counted.kinds() == [("SELECT", 1)] * 3  # 1101 keys, 500 a statement
        rows.fetch(counted, keys[:CHUNK])
        assert len(counted.sent) == 3  # read already: no statement

    assert rows.get(("a", 0)) == row("a", 0)
    assert rows.get(("a", 1)) is None and rows.get(("b", 0)) is None  # no such item; no such shard
    assert [k for k in keys if rows.get(k) is not None] == [("a", i) for i in evens]


def test_a_composite_key_reads_only_the_row_of_both_its_columns(store: ReadStore) -> None:
    stored(store, row("a", 1, "a1"), row("a", 2, "a2"), row("b", 1, "b1"), row("b", 2, "b2"))
    rows = SCRATCH.rows()

    with counting(store) as counted:
        rows.fetch(counted, [("a", 2), ("b", 1)])

    assert [rows.get(("a", 2)), rows.get(("b", 1))] == [row("a", 2, "a2"), row("b", 1, "b1")]
    with pytest.raises(AssertionError, match="read before it was fetched"):
        rows.get(("a", 1))  # of a fetched shard and a fetched item, but not a fetched key


def test_a_key_never_fetched_is_refused(store: ReadStore) -> None:
    rows = SCRATCH.rows()
    with counting(store) as counted:
        rows.fetch(counted, [("a", 1)])

    assert rows.get(("a", 1)) is None
    with pytest.raises(AssertionError, match=r"batch_scratch: row \('a', 2\) read before it was fetched"):
        rows.get(("a", 2))


def test_times_come_back_as_aware_utc_datetimes_and_flags_as_bools(store: ReadStore) -> None:
    paris = timezone(timedelta(hours=1))
    stored(
        store, row("a", 1, seen_at=datetime(2026, 3, 2, 10, 30, tzinfo=paris), done=True),
        row("a", 2, done=False), row("a", 3, seen_at=None, done=None),
    )
    rows = SCRATCH.rows()

    with counting(store) as counted:
        rows.fetch(counted, [("a", 1), ("a", 2), ("a", 3)])

    first, second, third = (rows.get(("a", i)) for i in (1, 2, 3))
    assert first is not None and second is not None and third is not None
    assert first["seen_at"] == AT and first["seen_at"].tzinfo is UTC
    assert first["done"] is True and second["done"] is False
    assert third["seen_at"] is None and third["done"] is None


def test_puts_adds_and_deletes_are_written_one_statement_a_kind(store: ReadStore) -> None:
    stored(store, *[row("a", i) for i in range(5)])
    with counting(store) as counted:
        rows = SCRATCH.rows()
        rows.fetch(counted, [("a", i) for i in range(5)])
        for i in range(3):
            rows.put(row("a", i, "changed"))
        for i in (3, 4):
            rows.delete(("a", i))
        for i in range(5, 9):
            rows.add(row("a", i, "new"))
        counted.sent.clear()

        write_all(counted, rows)

    assert counted.kinds() == [("DELETE", 2), ("INSERT", 4), ("INSERT", 3)]  # the upsert is an INSERT too
    assert "ON CONFLICT" in counted.sent[2][0] and "ON CONFLICT" not in counted.sent[1][0]
    assert {k: v[0] for k, v in table(store).items()} == {
        **{("a", i): "changed" for i in range(3)}, **{("a", i): "new" for i in range(5, 9)},
    }


def test_a_row_put_where_the_fetch_found_none_is_inserted_and_once_written_is_upserted(store: ReadStore) -> None:
    stored(store, row("a", 1))
    with counting(store) as counted:
        rows = SCRATCH.rows()
        rows.fetch(counted, [("a", 1), ("a", 2)])
        rows.put(row("a", 1, "changed"))
        rows.put(row("a", 2, "put where none was"))
        rows.put(row("a", 3, "never fetched"))
        counted.sent.clear()

        rows.write(counted)
        rows.put(row("a", 2, "put again"))  # stored now: an INSERT would fail
        rows.write(counted)

    assert counted.kinds() == [("INSERT", 1), ("INSERT", 2), ("INSERT", 1)]
    assert ["ON CONFLICT" in statement for statement, _ in counted.sent] == [False, True, True]
    assert {k: v[0] for k, v in table(store).items()} == {
        ("a", 1): "changed", ("a", 2): "put again", ("a", 3): "never fetched",
    }


def test_a_row_put_under_key_columns_a_fetch_where_read_whole_is_inserted_unless_it_was_read(store: ReadStore) -> None:
    stored(store, row("a", 1), row("b", 1))
    with counting(store) as counted:
        rows = SCRATCH.rows()
        rows.fetch_where(counted, ("shard",), [("a",)])
        rows.fetch_where(counted, ("note",), [("first",)])  # not key columns: says nothing of rows it did not read
        rows.put(row("a", 1, "read, changed"))
        rows.put(row("a", 2, "none in shard a"))
        rows.put(row("b", 2, "shard b not read whole"))
        counted.sent.clear()

        rows.write(counted)

    assert counted.kinds() == [("INSERT", 1), ("INSERT", 2)]
    assert ["ON CONFLICT" in statement for statement, _ in counted.sent] == [False, True]
    assert {k: v[0] for k, v in table(store).items()} == {
        ("a", 1): "read, changed", ("a", 2): "none in shard a", ("b", 1): "first", ("b", 2): "shard b not read whole",
    }


def test_a_row_changed_a_hundred_times_is_written_once_as_the_last_change_left_it(store: ReadStore) -> None:
    stored(store, row("a", 1))
    with counting(store) as counted:
        rows = SCRATCH.rows()
        rows.fetch(counted, [("a", 1), ("a", 2), ("a", 3)])
        rows.add(row("a", 2, "added"))
        for n in range(100):
            rows.put(row("a", 1, f"change {n}", done=n % 2 == 1))
            rows.put(row("a", 2, f"put {n}"))
        rows.add(row("a", 3, "gone"))
        rows.delete(("a", 3))  # added and deleted in the batch: written as its delete alone
        counted.sent.clear()

        rows.write(counted)

    assert counted.kinds() == [("DELETE", 1), ("INSERT", 1), ("INSERT", 1)]
    after = table(store)
    assert after[("a", 1)][0] == "change 99" and bool(after[("a", 1)][2]) is True
    assert after[("a", 2)][0] == "put 99"
    assert ("a", 3) not in after


def test_adding_a_row_the_table_holds_fails_in_the_database(store: ReadStore) -> None:
    stored(store, row("a", 1))

    with pytest.raises(REFUSED), store.transaction() as sql:
        rows = SCRATCH.rows()
        rows.add(row("a", 2, "fine"))
        rows.add(row("a", 1, "again"))  # not fetched: only the INSERT finds the stored row
        rows.write(sql)

    after = table(store)
    assert list(after) == [("a", 1)] and after[("a", 1)][0] == "first"


def test_adding_a_row_twice_in_one_batch_fails_at_the_write(store: ReadStore) -> None:
    rows = SCRATCH.rows()
    with pytest.raises(REFUSED), store.transaction() as sql:
        rows.fetch(sql, [("a", 1)])
        rows.add(row("a", 1, "once"))
        rows.add(row("a", 1, "twice"))
        assert rows.get(("a", 1)) == row("a", 1, "once")  # kept as it was
        rows.write(sql)

    assert table(store) == {}


def test_a_write_refused_is_raised_as_itself_however_the_pipelines_results_arrive(store: ReadStore) -> None:
    # On PostgreSQL the refused INSERT's result may come before the COMMIT queued after it is answered, and psycopg
    # then raises the COMMIT's abort in its place: on a busy machine some of these transactions did.
    for _ in range(200):
        rows = SCRATCH.rows()
        with pytest.raises(REFUSED), store.transaction() as sql:
            rows.add(row("a", 1, "once"))
            rows.add(row("a", 1, "twice"))
            rows.write(sql)

    assert table(store) == {}


def test_fetch_where_reads_the_rows_changed_in_the_batch_as_they_are_now(store: ReadStore) -> None:
    stored(store, row("a", 1), row("a", 2), row("a", 3), row("b", 1))
    rows = SCRATCH.rows()
    with counting(store) as counted:
        rows.fetch(counted, [("a", 1), ("a", 2), ("b", 1)])
        rows.put(row("a", 1, "changed"))
        rows.delete(("a", 2))
        rows.add(row("a", 4, "new"))
        rows.put(row("c", 1, "moved from shard b"))
        rows.delete(("b", 1))

        found = rows.fetch_where(counted, ("shard",), [("a",), ("b",), ("c",), ("a",)])

    assert sorted(found, key=lambda r: (r["shard"], r["item"])) == [
        row("a", 1, "changed"), row("a", 3), row("a", 4, "new"), row("c", 1, "moved from shard b"),
    ]
    assert counted.kinds()[-1] == ("SELECT", 1)


def test_forget_drops_what_was_read_so_that_a_set_wide_statement_is_seen(store: ReadStore) -> None:
    stored(store, row("a", 1), row("a", 2))
    rows = SCRATCH.rows()
    with counting(store) as counted:
        rows.fetch(counted, [("a", 1), ("a", 2)])
        rows.put(row("a", 1, "changed"))
        with pytest.raises(AssertionError, match="forgotten with changes not written"):
            rows.forget()
        rows.write(counted)
        counted.execute("UPDATE batch_scratch SET done = ? WHERE shard = ?", (True, "a"))
        rows.fetch(counted, [("a", 1)])
        assert rows.get(("a", 1)) == row("a", 1, "changed", done=False)  # as read before the update

        rows.forget()
        rows.fetch(counted, [("a", 1), ("a", 2)])

    assert rows.get(("a", 1)) == row("a", 1, "changed", done=True)
    assert rows.get(("a", 2)) == row("a", 2, done=True)


def test_write_all_writes_each_table_in_the_order_given(store: ReadStore) -> None:
    first, second = SCRATCH.rows(), SCRATCH.rows()
    with counting(store) as counted:
        second.fetch(counted, [("a", 1)])
        first.add(row("a", 1))
        second.delete(("a", 1))  # deletes the row only if written after `first`
        counted.sent.clear()

        write_all(counted, first, second)

    assert counted.kinds() == [("INSERT", 1), ("DELETE", 1)]
    assert table(store) == {}


def test_a_table_of_one_key_column_reads_keys_and_converts_values_as_one_of_two(store: ReadStore) -> None:
    single = Table("batch_scratch", key=("note",), columns=("shard", "item", "note", "seen_at", "done"),
                   times=("seen_at",), flags=("done",))
    paris = timezone(timedelta(hours=1))
    stored(store, row("a", 1, "x", seen_at=datetime(2026, 3, 2, 10, 30, tzinfo=paris), done=True),
           row("a", 2, "y", seen_at=None, done=None), row("b", 1, "z"))
    one, two = single.rows(), SCRATCH.rows()
    with counting(store) as counted:
        one.fetch(counted, [("x",), ("y",), ("w",)])
        two.fetch(counted, [("a", 1), ("a", 2), ("a", 3)])
        assert one.fetch_where(counted, ("shard",), [("b",)]) == [row("b", 1, "z")]

    assert [one.get((n,)) for n in "xyw"] == [two.get(("a", i)) for i in (1, 2, 3)]
    first = one.get(("x",))
    assert first is not None and first["seen_at"] == AT and first["seen_at"].tzinfo is UTC and first["done"] is True
    assert one.get(("z",)) == row("b", 1, "z")  # read by the fetch_where, under its own key

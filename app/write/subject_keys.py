"""Each account's data key, kept in a table of its own (`subject_keys`, migration 0021), never in the ledger.

A key is made the first time personal data of its account is sealed and lives until the account's data is erased:
the event recording the erasure deletes it in the transaction that stores the event (`shred`), so there is never an
erasure on record with its key left, nor a key gone without its erasure on record.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from eventsourcing.persistence import Recorder, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from eventsourcing.utils import get_topic
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from domain.account_data import AccountData

KEY_BYTES = 32
"""AES-256."""
KEY_ID_BYTES = 16
"""Random bytes naming a key, written in hex."""
ERASED_TOPIC = get_topic(AccountData.Erased)
_CHUNK = 500  # bound parameters per SQLite query, well under its limit


@dataclass(frozen=True)
class SubjectKey:
    account_id: str
    key_id: str
    key: bytes


class KeyStore(Protocol):
    def current(self, account_ids: Sequence[str]) -> dict[str, SubjectKey]:
        """The key of each account among `account_ids` that has one."""

    def add(self, keys: Sequence[SubjectKey]) -> set[str]:
        """Stores the keys of accounts that have none (an account given one meanwhile keeps its own); returns the
        accounts whose keys it knows it stored (the caller reads the others' back)."""

    def by_ids(self, key_ids: Sequence[str]) -> dict[str, SubjectKey]:
        """The keys named among `key_ids` that are not erased, by id."""


def new_keys(account_ids: Sequence[str]) -> list[SubjectKey]:
    """A new key and its id for each account, from one read of the system's randomness for them all: `uuid4` and a
    read of its own cost ~3 times as much, a read a key ~1 us more, and a bulk write makes a key for each new account
    (most of a batch's, when a pipeline starts)."""
    width = KEY_ID_BYTES + KEY_BYTES
    random = os.urandom(width * len(account_ids))
    return [
        SubjectKey(account_id, random[at:at + KEY_ID_BYTES].hex(), random[at + KEY_ID_BYTES:at + width])
        for account_id, at in zip(account_ids, range(0, len(random), width), strict=True)
    ]


def erased_streams(stored_events: Iterable[StoredEvent]) -> list[str]:
    """The AccountData streams whose erasure is among `stored_events`: their keys go with them."""
    return [str(s.originator_id) for s in stored_events if s.topic == ERASED_TOPIC]


def _row(key: SubjectKey) -> tuple[str, str, str, bytes]:
    return key.account_id, str(AccountData.create_id(key.account_id)), key.key_id, key.key


def unnest_columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows as a list for each of their `width` columns, for `unnest`."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


def key_columns(keys: Sequence[SubjectKey]) -> list[list[Any]]:
    """The keys' rows of `subject_keys` (less `created_at`) as columns, for `unnest`."""
    return unnest_columns([_row(k) for k in keys], 4)


class PostgresKeys:
    """The keys on PostgreSQL; arrays are sent in binary (%b), which psycopg makes several times faster than text."""

    def __init__(self, recorder: PostgresAggregateRecorder) -> None:
        self._datastore = recorder.datastore
        self._table = SQL("{0}.subject_keys").format(Identifier(recorder.datastore.schema))

    def current(self, account_ids: Sequence[str]) -> dict[str, SubjectKey]:
        statement = SQL("SELECT account_id, key_id, key FROM {0} WHERE account_id = ANY(%b::text[])")
        with self._datastore.get_connection() as conn:
            rows = conn.execute(statement.format(self._table), (list(account_ids),), prepare=True).fetchall()
        return {r["account_id"]: SubjectKey(r["account_id"], r["key_id"], bytes(r["key"])) for r in rows}

    def add(self, keys: Sequence[SubjectKey]) -> set[str]:
        """Stores the keys in one statement, however many (a batch's new accounts number hundreds)."""
        # Read as tuples: the pool's dict rows cost ~1.5 us each in Python, a row a new account.
        with self._datastore.transaction(commit=True) as curs, curs.connection.cursor(row_factory=tuple_row) as added:
            self._insert(added, keys, " ON CONFLICT (account_id) DO NOTHING RETURNING account_id")
            return {row[0] for row in added.fetchall()} if keys else set()

    def insert(self, cursor: Any, keys: Sequence[SubjectKey]) -> None:
        """Stores new keys in the transaction of `cursor`; a key for an account that has one fails it (a conflict: the
        command runs again, and reads the other's key)."""
        self._insert(cursor, keys, "")

    def _insert(self, cursor: Any, keys: Sequence[SubjectKey], on_conflict: str) -> None:
        if keys:
            statement = SQL(
                "INSERT INTO {0} (account_id, stream_id, key_id, key, created_at) "
                "SELECT *, now() FROM unnest(%b::text[], %b::text[], %b::text[], %b::bytea[])" + on_conflict
            ).format(self._table)
            # Never prepared: in a pipeline, a statement prepared in a transaction that fails is lost to psycopg.
            cursor.execute(statement, key_columns(keys), prepare=False)

    def by_ids(self, key_ids: Sequence[str]) -> dict[str, SubjectKey]:
        statement = SQL("SELECT account_id, key_id, key FROM {0} WHERE key_id = ANY(%b::text[])").format(self._table)
        with self._datastore.get_connection() as conn:
            rows = conn.execute(statement, (list(key_ids),), prepare=True).fetchall()
        return {r["key_id"]: SubjectKey(r["account_id"], r["key_id"], bytes(r["key"])) for r in rows}

    def shred(self, curs: Any, stored_events: Sequence[StoredEvent]) -> None:
        """Deletes the keys of the accounts whose erasure `stored_events` record, in their transaction (`curs`)."""
        streams = erased_streams(stored_events)
        if streams:
            curs.execute(SQL("DELETE FROM {0} WHERE stream_id = ANY(%s)").format(self._table), (streams,))


class SQLiteKeys:
    def __init__(self, recorder: SQLiteAggregateRecorder) -> None:
        self._datastore = recorder.datastore

    def current(self, account_ids: Sequence[str]) -> dict[str, SubjectKey]:
        rows = self._select("SELECT account_id, key_id, key FROM subject_keys WHERE account_id", account_ids)
        return {r[0]: SubjectKey(r[0], r[1], bytes(r[2])) for r in rows}

    def add(self, keys: Sequence[SubjectKey]) -> set[str]:
        with self._datastore.transaction(commit=True) as cursor:
            self.insert(cursor, keys, on_conflict=" ON CONFLICT (account_id) DO NOTHING")
        return set()  # executemany tells nothing of each row: the caller reads the keys back

    @staticmethod
    def insert(cursor: Any, keys: Sequence[SubjectKey], on_conflict: str = "") -> None:
        """Stores new keys in the transaction of `cursor`, as `PostgresKeys.insert` (unless `on_conflict` says
        otherwise)."""
        if keys:
            cursor.executemany(
                "INSERT INTO subject_keys (account_id, stream_id, key_id, key, created_at) VALUES (?, ?, ?, ?, ?)"
                + on_conflict,
                [(*_row(k), datetime.now(UTC).isoformat()) for k in keys],
            )

    def by_ids(self, key_ids: Sequence[str]) -> dict[str, SubjectKey]:
        rows = self._select("SELECT account_id, key_id, key FROM subject_keys WHERE key_id", key_ids)
        return {r[1]: SubjectKey(r[0], r[1], bytes(r[2])) for r in rows}

    def _select(self, query: str, values: Sequence[str]) -> list[Any]:
        """The rows of `query` (which ends in the column to match) for each of `values`, in chunks."""
        found = []
        with self._datastore.transaction(commit=False) as cursor:
            for start in range(0, len(values), _CHUNK):
                chunk = list(values[start:start + _CHUNK])
                cursor.execute(f"{query} IN ({','.join('?' * len(chunk))})", chunk)
                found += cursor.fetchall()
        return found

    @staticmethod
    def shred(cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
        """Deletes the keys of the accounts whose erasure `stored_events` record, in their transaction (`cursor`)."""
        streams = erased_streams(stored_events)
        if streams:
            cursor.execute(f"DELETE FROM subject_keys WHERE stream_id IN ({','.join('?' * len(streams))})", streams)


def key_store(recorder: Recorder) -> PostgresKeys | SQLiteKeys:
    if isinstance(recorder, PostgresAggregateRecorder):
        return PostgresKeys(recorder)
    if isinstance(recorder, SQLiteAggregateRecorder):
        return SQLiteKeys(recorder)
    raise TypeError(f"no subject keys on {type(recorder).__name__}")


"""The event store on PostgreSQL: the library's, with a small batch written by one statement, a large one by one
binary COPY, and connections checked before use without a round trip.

A batch of fewer than COPY_FROM events is written by `docket_insert_events` (migration 0027) in autocommit: the
library's lock, NOTIFY and insert, and the batch's new keys, in one statement and one round trip, where the library
sends six statements over two round trips and holds the table's lock from the first to the commit, across the
client's reading of the first's answer. A batch that erases an account's data (whose key goes in its transaction)
takes the library's way.

The library inserts a batch as an array of its composite type, which psycopg builds as text in Python (most of a
bulk write's cost). Here a batch of COPY_FROM events or more goes in as a binary COPY inside the same ordering lock
the library takes (LOCK TABLE ... IN EXCLUSIVE MODE, then NOTIFY), with notification ids drawn from the table's own
sequence while the lock is held: ids rise in commit order as the library's do, a rolled-back batch leaves a gap as
the library's does, and an event already stored at its (originator_id, originator_version) fails the whole batch
with the library's IntegrityError. A batch stores the keys first made for what it seals (under the lock, so that no two
such inserts wait on each other), and deletes the key of an account whose erasure it records, in its own
transaction (`PostgresKeys.insert`, `PostgresKeys.shred`).
"""

from __future__ import annotations

import select
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from eventsourcing.persistence import InterfaceError, Notification, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from eventsourcing.utils import Environment, EnvType, retry
from psycopg import Connection
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier
from psycopg_pool import ConnectionPool

from app.write.subject_keys import PostgresKeys, SubjectKey, erased_streams, key_columns, unnest_columns

COPY_FROM = 64
"""Events in a batch from which COPY pays: below it the one statement of `docket_insert_events` takes fewer round
trips."""


class CopyingRecorder(PostgresApplicationRecorder):
    """The library's application recorder; smaller batches are written by one statement, batches of COPY_FROM events or
    more by binary COPY; an erasure's key goes in the transaction that stores it."""

    _sequence: str | None = None

    def _create_table(self, curs: Any) -> None:
        # The library's statements include CREATE OR REPLACE FUNCTION, which fails ("tuple concurrently updated") in
        # one of two processes opening the store at once (two relays, a relay and its reader process): one at a time.
        curs.execute("SELECT pg_advisory_xact_lock(hashtext('docket-create-table'))", prepare=False)
        super()._create_table(curs)

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        PostgresKeys(self).shred(curs, stored_events)

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._insert_stored_events(curs, stored_events, **kwargs)
        # Last in the pipeline, so that its failure (another writer's key) aborts no statement queued after it; on a
        # cursor of its own, as the library reads the new events' ids from `curs`.
        with curs.connection.cursor() as keys:
            PostgresKeys(self).insert(keys, kwargs.get("keys", ()))

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if self.datastore.enable_db_functions or not stored_events or erased_streams(stored_events):
            return super().insert_events(stored_events, **kwargs)
        if len(stored_events) < COPY_FROM:
            return self._insert_in_one_statement(stored_events, kwargs.get("keys", ()))
        return self._copy_events(stored_events, kwargs.get("keys", ()))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(
        self, start: int | None, limit: int, stop: int | None = None, topics: Sequence[str] = (), *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The library's page of notifications, its rows read in binary as tuples: the library reads them as text,
        and a stored event's state as hex, into dicts, which cost the projector's catch-up ~3 us of CPU an event."""
        conditions: list[str] = []
        params: list[Any] = []
        if start is not None:
            conditions.append("notification_id >= %s" if inclusive_of_start else "notification_id > %s")
            params.append(start)
        if stop is not None:
            conditions.append("notification_id <= %s")
            params.append(stop)
        if topics:
            conditions.append("topic = ANY(%s)")
            params.append(list(topics))
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {}.{}" + where
            + " ORDER BY notification_id LIMIT %s"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement, [*params, limit], prepare=True, binary=True)
            return [
                Notification(id=i, originator_id=o, originator_version=v, topic=t, state=state)
                for i, o, v, t, state in curs.fetchall()
            ]

    @cached_property
    def _one_statement(self) -> bytes:
        """The call of `docket_insert_events`, composed once (~50 us a write otherwise)."""
        return SQL(
            "SELECT {0}.docket_insert_events(%b::uuid[], %b::int8[], %b::text[], %b::bytea[], "
            "%b::text[], %b::text[], %b::text[], %b::bytea[], %s) AS id"
        ).format(Identifier(self.datastore.schema)).as_bytes(None)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_in_one_statement(
        self, stored_events: Sequence[StoredEvent], new_keys: Sequence[SubjectKey]
    ) -> Sequence[int]:
        events = [(e.originator_id, e.originator_version, e.topic, e.state) for e in stored_events]
        columns = [*unnest_columns(events, 4), *key_columns(new_keys)]
        params = [*columns, f"{self.datastore.lock_timeout}s"]
        with self.datastore.get_connection() as conn:
            rows = conn.execute(self._one_statement, params, prepare=True).fetchall()
        return [row["id"] for row in rows]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _copy_events(self, stored_events: Sequence[StoredEvent], new_keys: Sequence[SubjectKey]) -> Sequence[int]:
        table = SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.transaction():
            if self._sequence is None:
                self._sequence = self._find_sequence(conn, table.as_string(conn))
            # The ids come as tuples: the pool's dict rows cost ~1.5 us each in Python, two thousand a batch.
            with conn.pipeline(), conn.cursor() as curs, conn.cursor(row_factory=tuple_row) as numbering:
                self._lock_table(curs)
                self._notify_channel(curs)
                keys = PostgresKeys(self)
                keys.shred(curs, stored_events)
                numbering.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                    (self._sequence, len(stored_events)), prepare=True,
                )
                keys.insert(curs, new_keys)  # last, as in `_insert_stored_events`
                ids = sorted(row[0] for row in numbering.fetchall())
            statement = SQL(
                "COPY {0} (originator_id, originator_version, topic, state, notification_id) FROM STDIN (FORMAT BINARY)"
            ).format(table)
            with conn.cursor() as curs, curs.copy(statement) as copy:
                copy.set_types([self.datastore.originator_id_type, "int8", "text", "bytea", "int8"])
                for stored, notification_id in zip(stored_events, ids, strict=True):
                    copy.write_row(
                        (stored.originator_id, stored.originator_version, stored.topic, stored.state, notification_id)
                    )
        return ids

    @staticmethod
    def _find_sequence(conn: Connection[DictRow], table: str) -> str:
        """The sequence that numbers the table's notifications, as its column's default draws from it."""
        row = conn.execute("SELECT pg_get_serial_sequence(%s, 'notification_id') AS name", (table,)).fetchone()
        assert row is not None and row["name"] is not None, f"{table} numbers no notifications"
        return str(row["name"])


def check_quietly(conn: Connection[Any]) -> None:
    """The pool's check before use, without its round trip: a connection is pinged only when the server has sent
    something while it sat idle in the pool, which is how a restart or a terminated backend shows (its goodbye, or
    the end of the stream); an idle connection in autocommit is otherwise told nothing."""
    waiting = select.poll()  # not select(): a busy server's descriptors may pass FD_SETSIZE
    waiting.register(conn.fileno(), select.POLLIN)
    if waiting.poll(0):
        ConnectionPool.check_connection(conn)


class CopyingPostgresFactory(PostgresFactory):
    """The library's PostgreSQL factory, with the CopyingRecorder and, when POSTGRES_PRE_PING is set, `check_quietly`
    in place of the library's ping."""

    application_recorder_class = CopyingRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        if self.datastore.pre_ping:
            self.datastore.pool._check = check_quietly  # the pool takes its check only when it is built

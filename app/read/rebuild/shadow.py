"""The shadow schema on PostgreSQL: tables that replicate the live ones (columns, indexes, grants), filled by COPY."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from app.config.database import Database
from app.read.progress import Progress
from app.read.rebuild.plan import RebuildError

_COPY_CHUNK = 10_000


PUBLISH_CONNECTIONS = 2


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def side_schemas(live: str) -> tuple[str, str]:
    """The shadow schema a rebuild fills, and the side schema the replaced tables move to."""
    base = live[:40]
    return f"{base}__rebuild", f"{base}__replaced"


@dataclass(frozen=True)
class Shadow:
    """The schema a rebuild on PostgreSQL fills beside the live one, and the side schema the replaced tables
    move to."""

    database: Database
    name: str
    side: str

    @classmethod
    def prepare(cls, database: Database, tables: list[str]) -> Shadow:
        """Clears what a killed rebuild left behind and makes empty copies of the live `tables` (and of
        projection_positions, which the catch-up uses), without their indexes."""
        live = database.schema
        shadow = cls(database, *side_schemas(live))
        with psycopg.connect(database.conninfo(), autocommit=True) as admin:
            for schema in (shadow.name, shadow.side):
                admin.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")
            _check_no_dependents(admin, live, tables)
            admin.execute(f"CREATE SCHEMA {quote(shadow.name)}")
            for table in [*tables, "projection_positions"]:
                admin.execute(
                    f"CREATE TABLE {quote(shadow.name)}.{quote(table)} (LIKE {quote(live)}.{quote(table)} "
                    "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY "
                    "INCLUDING STORAGE INCLUDING COMMENTS)"
                )
        return shadow

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """An autocommit connection for filling tables, whose index builds sort in memory."""
        with psycopg.connect(self.database.conninfo(), autocommit=True) as admin:
            admin.execute("SET maintenance_work_mem = '256MB'")
            yield admin

    def finish_table(self, admin: psycopg.Connection[Any], table: str) -> None:
        """Gives a filled shadow table the live one's indexes and grants, then its statistics."""
        live = self.database.schema
        _replicate_indexes(admin, live, self.name, table)
        _replicate_grants(admin, live, self.name, table)
        admin.execute(f"ANALYZE {quote(self.name)}.{quote(table)}")

    def fill(self, path: Path, tables: list[str], progress: Progress, empty: Sequence[str] = ()) -> int:
        """Fills `tables` from the build file at `path`, then indexes, grants and analyzes them (and the `empty`
        ones); returns the rows copied.

        `PUBLISH_CONNECTIONS` tables at a time, the largest first: while this process sends one table's
        rows, the server builds another's indexes.
        """
        with closing(sqlite3.connect(str(path))) as source:
            counts = {t: source.execute(f"SELECT count(*) FROM {quote(t)}").fetchone()[0] for t in tables}
        progress.start("copying to PostgreSQL", 0, sum(counts.values()), unit="rows")
        copied = _Tally(progress)
        live, shadow = self.database.schema, self.name

        def fill(table: str) -> None:
            with self.connection() as admin, closing(sqlite3.connect(str(path))) as source:
                if table in counts:
                    _copy_table(admin, source, live, shadow, table, copied)
                self.finish_table(admin, table)

        with ThreadPoolExecutor(PUBLISH_CONNECTIONS, thread_name_prefix="docket-publish") as pool:
            for _ in pool.map(fill, [*sorted(tables, key=lambda t: -counts[t]), *empty]):
                pass  # re-raises the first failure
        progress.finish()
        return sum(counts.values())


def _columns(admin: psycopg.Connection[Any], schema: str, table: str) -> list[str]:
    rows = admin.execute(
        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
        "ORDER BY a.attnum",
        (schema, table),
    ).fetchall()
    return [r[0] for r in rows]


class _Tally:
    """Rows copied so far by every connection, shown on one progress bar."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.done = 0
        self._lock = threading.Lock()

    def add(self, rows: int) -> None:
        with self._lock:
            self.done += rows
            self.progress.update(self.done)


def _copy_table(
    admin: psycopg.Connection[Any], source: sqlite3.Connection, live: str, shadow: str, table: str, copied: _Tally
) -> None:
    columns = _columns(admin, live, table)
    listed = ", ".join(quote(c) for c in columns)
    cursor = source.execute(f"SELECT {listed} FROM {quote(table)}")
    with admin.cursor() as target, target.copy(f"COPY {quote(shadow)}.{quote(table)} ({listed}) FROM STDIN") as copy:
        while chunk := cursor.fetchmany(_COPY_CHUNK):
            for row in chunk:
                copy.write_row(row)
            copied.add(len(chunk))


_INDEX_DEF = re.compile(r"^(CREATE (?:UNIQUE )?INDEX) (\S+) ON (?:ONLY )?\S+ (USING .*)$", re.DOTALL)


def _replicate_indexes(admin: psycopg.Connection[Any], live: str, shadow: str, table: str) -> None:
    """Gives the shadow table the live one's constraints and indexes, under the same names."""
    target = f"{quote(shadow)}.{quote(table)}"
    constraints = admin.execute(
        "SELECT con.conname, pg_get_constraintdef(con.oid), con.conindid FROM pg_constraint con "
        "JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s AND con.contype IN ('p', 'u', 'x', 'f') ORDER BY con.contype DESC",
        (live, table),
    ).fetchall()
    backing = set()
    for name, definition, index in constraints:
        admin.execute(f"ALTER TABLE {target} ADD CONSTRAINT {quote(name)} {definition}")
        backing.add(index)
    indexes = admin.execute(
        "SELECT i.indexrelid, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
        (live, table),
    ).fetchall()
    for index, definition in indexes:
        if index in backing:
            continue
        match = _INDEX_DEF.match(definition)
        if match is None:
            raise RebuildError(f"cannot replicate index of {table}: {definition}")
        admin.execute(f"{match[1]} {match[2]} ON {target} {match[3]}")


def _replicate_grants(admin: psycopg.Connection[Any], live: str, shadow: str, table: str) -> None:
    grants = admin.execute(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, "
        "a.privilege_type, a.is_grantable FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, "
        "aclexplode(c.relacl) a WHERE n.nspname = %s AND c.relname = %s AND a.grantee <> c.relowner",
        (live, table),
    ).fetchall()
    for grantee, privilege, grantable in grants:
        admin.execute(f"GRANT {privilege} ON {quote(shadow)}.{quote(table)} TO {grantee}"
                      + (" WITH GRANT OPTION" if grantable else ""))


def _check_no_dependents(admin: psycopg.Connection[Any], live: str, tables: list[str]) -> None:
    """Refuses tables that views or other tables' foreign keys depend on: a swap would leave those behind."""
    rows = admin.execute(
        "SELECT t.relname, v.relname FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace "
        "JOIN pg_depend d ON d.refobjid = t.oid JOIN pg_rewrite r ON r.oid = d.objid "
        "JOIN pg_class v ON v.oid = r.ev_class "
        "WHERE n.nspname = %s AND t.relname = ANY(%s) AND v.oid <> t.oid "
        "UNION SELECT t.relname, o.relname FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace "
        "JOIN pg_constraint con ON con.confrelid = t.oid JOIN pg_class o ON o.oid = con.conrelid "
        "WHERE n.nspname = %s AND t.relname = ANY(%s) AND con.contype = 'f' AND NOT o.relname = ANY(%s)",
        (live, tables, live, tables, tables),
    ).fetchall()
    if rows:
        found = ", ".join(f"{other} on {table}" for table, other in rows)
        raise RebuildError(f"cannot swap tables that other objects depend on ({found}); drop those first")

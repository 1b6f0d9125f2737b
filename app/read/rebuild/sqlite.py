"""Publishing on SQLite: the build file caught up, then each live table replaced from it in one write transaction."""

from __future__ import annotations

import re
import sqlite3

from app.read.progress import Progress
from app.read.rebuild.build import Build
from app.read.rebuild.plan import SWAP_TAIL, RebuildError, Sides, record_positions
from app.read.rebuild.shadow import quote


def publish_sqlite(runtime: Sides, build: Build, position: int, progress: Progress) -> tuple[int, int]:
    database = runtime.settings.database
    assert database.sqlite_path is not None
    for _ in range(10):  # catch up first, while the ledger keeps moving
        head = runtime.ledger.head()
        if head - position <= SWAP_TAIL:
            break
        progress.start("catching up", position, head, unit="events")
        position = build.advance(build.store, position, head, progress)
        progress.finish()
    progress.note("swapping the rebuilt tables in")
    connection = build.store._connection()  # the build file's connection, with the live file attached
    connection.execute("ATTACH DATABASE ? AS live", (str(database.sqlite_path),))
    try:
        # BEGIN IMMEDIATE takes SQLite's write lock on both files: from here until COMMIT no ledger
        # write and no projector step can happen, and the live tables change all at once or not at all.
        with build.store.transaction() as sql:
            head = runtime.ledger.head()
            while position < head:
                notifications = build.read(position, head)
                build.apply(notifications, sql)
                position = build.reached(notifications, head)
            rows = sum(_replace_sqlite_table(connection, table) for table in build.tables())
            record_positions(connection, "live", build.chosen, position)
    finally:
        connection.execute("DETACH DATABASE live")
    return position, rows


_IN_LIVE = re.compile(
    r"^(CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|TRIGGER|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?)", re.IGNORECASE
)


def _replace_sqlite_table(connection: sqlite3.Connection, table: str) -> int:
    """Drops a live table and makes it anew from its own DDL, filled from the build file; returns its rows."""
    ddl = connection.execute(
        "SELECT type, sql FROM live.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
        "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid",
        (table,),
    ).fetchall()
    if not ddl or ddl[0][0] != "table":
        raise RebuildError(f"the live database has no table {table}")
    columns = ", ".join(quote(r[1]) for r in connection.execute(f"PRAGMA live.table_info({quote(table)})"))
    connection.execute(f"DROP TABLE live.{quote(table)}")
    connection.execute(_IN_LIVE.sub(r"\1live.", ddl[0][1], count=1))
    cursor = connection.execute(
        f"INSERT INTO live.{quote(table)} ({columns}) SELECT {columns} FROM main.{quote(table)}"
    )
    for _, statement in ddl[1:]:
        connection.execute(_IN_LIVE.sub(r"\1live.", statement, count=1))
    return cursor.rowcount

"""Publishing on PostgreSQL: the shadow caught up, then swapped in for the live tables under the read models' locks."""

from __future__ import annotations

import time
from dataclasses import replace

import psycopg

from app.read.progress import Progress
from app.read.projector import track
from app.read.rebuild.build import Build
from app.read.rebuild.plan import SWAP_TAIL, RebuildError, Sides, record_positions
from app.read.rebuild.shadow import Shadow, quote
from app.read.store import PostgresReadStore

SWAP_ATTEMPTS = 5


SWAP_LOCK_TIMEOUT = "10s"


def publish_postgres(
    runtime: Sides, build: Build, shadow: Shadow, position: int, progress: Progress
) -> tuple[int, int]:
    live = shadow.database.schema
    database = shadow.database
    here = [t for p in build.built_here for t in p.tables]
    rows = shadow.fill(build.path, here, progress, empty=["projection_positions"])
    rows += build.finish()
    shadow_store = PostgresReadStore(replace(database, schema=f"{shadow.name},{live}"), max_size=2)
    try:
        with shadow_store.transaction() as sql:
            track(sql, dict.fromkeys((p.name for p in build.chosen), position))
        # Catch up outside any lock while the ledger keeps moving, so the swap has little left to do.
        for _ in range(10):
            head = runtime.ledger.head()
            if head - position <= SWAP_TAIL:
                break
            progress.start("catching up", position, head, unit="events")
            position = build.advance(shadow_store, position, head, progress)
            progress.finish()
        progress.note("swapping the rebuilt tables in")
        for attempt in range(1, SWAP_ATTEMPTS + 1):
            try:
                position = _swap_postgres(runtime, build, shadow_store, live, shadow.name, shadow.side, position)
                break
            except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
                if attempt == SWAP_ATTEMPTS:
                    raise RebuildError("could not lock the live tables to swap them; nothing was changed") from None
                time.sleep(attempt)
    finally:
        shadow_store.close()
    with psycopg.connect(database.conninfo(), autocommit=True) as admin:
        for schema in (shadow.side, shadow.name):
            admin.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")
    return position, rows


def _swap_postgres(
    runtime: Sides, build: Build, shadow_store: PostgresReadStore, live: str, shadow: str, side: str, position: int
) -> int:
    """The one transaction: the last events into the shadow, then the tables trade places."""
    with shadow_store.transaction() as sql:
        sql.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
        names = sorted(p.name for p in build.chosen)
        for name in names:  # the projector's own locks: no step of these read models until we commit
            sql.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"projection:{name}",))
        # The new tables must not be behind the old ones (a reader who waited for a position must keep
        # seeing it). Beyond that, the head if it is near; what is left the projector carries on with.
        sql.execute(
            f"SELECT coalesce(max(position), 0) FROM {quote(live)}.projection_positions WHERE name = ANY(?)",
            (names,),
        )
        row = sql.fetchone()
        live_position = int(row[0]) if row else 0
        target = max(position, live_position, min(runtime.ledger.head(), position + SWAP_TAIL))
        while position < target:
            notifications = build.read(position, target)
            build.apply(notifications, sql)
            position = build.reached(notifications, target)
        sql.execute(f"CREATE SCHEMA {quote(side)}")
        for table in build.tables():
            sql.execute(f"ALTER TABLE {quote(live)}.{quote(table)} SET SCHEMA {quote(side)}")
            sql.execute(f"ALTER TABLE {quote(shadow)}.{quote(table)} SET SCHEMA {quote(live)}")
        record_positions(sql, quote(live), build.chosen, position)
    return position

"""Applies the numbered SQL files in migrations/, each once, and records what it applied."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from app.read.store import ReadStore

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+?)(?:\.(postgres|sqlite))?\.sql$")

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    checksum    TEXT NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL
)
"""

ATTEMPTS = 5
"""How often a migration is tried while another database's migrations change the same server-wide row at once (see
`met_another_database`)."""


class MigrationError(RuntimeError):
    """Raised when an applied migration file was changed afterwards, or a file is misnamed."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    engine: str | None = None
    """Only for this engine (a file named NNNN_name.postgres.sql); None: for both."""

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available(engine: str, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations for `engine`, in order."""
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql or NNNN_name.postgres.sql")
        migration = Migration(int(match[1]), match[2], path.read_text(), match[3])
        if migration.engine in (None, engine):
            migrations.append(migration)
    return migrations


def pending(store: ReadStore, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations not yet applied."""
    with store.transaction(write=False) as sql:
        try:
            sql.execute("SELECT version FROM schema_migrations")
            applied = {row[0] for row in sql.fetchall()}
        except Exception:  # noqa: BLE001 - no ledger table yet means nothing is applied
            applied = set()
    return [m for m in available(store.engine, directory) if m.version not in applied]


def migrate(store: ReadStore, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Applies every migration not yet applied, in order, each in its own transaction."""
    applied_now = []
    with store.transaction(locks=["docket-migrate"]) as sql:
        sql.execute(_CREATE_LEDGER)
    for migration in available(store.engine, directory):
        if _apply(store, migration):
            applied_now.append(migration)
    return applied_now


def _apply(store: ReadStore, migration: Migration) -> bool:
    """Applies one migration unless it was applied before; True when it applies it now.

    The lock serialises the migrations of one database, but roles belong to the whole PostgreSQL server: a migration
    of another database (another pytest worker's, say) may change the same role at the same moment. One of the two
    then fails once the other commits; tried again, it finds the role as the other left it.
    """
    attempt = 1
    while True:
        try:
            return _apply_once(store, migration)
        except psycopg.Error as error:
            if attempt == ATTEMPTS or not met_another_database(error):
                raise
            log.info("migration %04d_%s met another database's migration (%s); trying it again",
                     migration.version, migration.name, error.diag.message_primary)
            attempt += 1


def _apply_once(store: ReadStore, migration: Migration) -> bool:
    with store.transaction(locks=["docket-migrate"]) as sql:
        sql.execute("SELECT checksum FROM schema_migrations WHERE version = ?", (migration.version,))
        row = sql.fetchone()
        if row is not None:
            if row[0] != migration.checksum:
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name} was changed after it was applied"
                )
            return False
        sql.executescript(migration.sql)
        sql.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
            (migration.version, migration.name, migration.checksum, datetime.now(UTC)),
        )
    return True


def met_another_database(error: psycopg.Error) -> bool:
    """Whether a statement failed because another transaction changed the same server-wide catalog row at once: the
    same role altered ("tuple concurrently updated", which has no code of its own but the server function that
    raises it) or created (a unique violation in pg_catalog)."""
    if error.sqlstate == "23505":
        return error.diag.schema_name == "pg_catalog"
    return error.sqlstate == "XX000" and error.diag.source_function in ("simple_heap_update", "simple_heap_delete")

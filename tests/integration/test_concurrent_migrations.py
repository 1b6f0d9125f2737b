"""Databases on one PostgreSQL server migrating at once: the role their migrations change is the server's."""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from app.config.settings import Settings
from app.read.migrations import MIGRATIONS_DIR, migrate
from app.runtime.wiring import Runtime, open_runtime
from tests.conftest import POSTGRES_ADMIN_URL

ANALYST_LOGIN = 11
"""The migration that changes the role `docket_analyst` wherever it is not as Docket leaves it."""
LINE_UP_WITHIN = 120.0
"""Seconds the migrations have to reach the role: a bound on a wait, not a measure of speed."""


@pytest.fixture
def second_database(postgres_database: str) -> Iterator[str]:
    """A database beside this run's: a migration's lock is its database's, so the two do not wait for each other."""
    name = f"docket_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"{postgres_database.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def unmigrated(postgres_database: str, second_database: str) -> Iterator[list[Runtime]]:
    """A runtime on a fresh schema of each database, nothing migrated."""
    runtimes = []
    for database_url in (postgres_database, second_database):
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        runtimes.append(open_runtime(Settings(database_url=f"{database_url}?schema={schema}"), prepare=False))
    yield runtimes
    for runtime in runtimes:
        runtime.close()


def migrations_before(version: int, directory: Path) -> Path:
    """A directory holding the migration files numbered below `version`, as written."""
    directory.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) < version:
            shutil.copy(path, directory / path.name)
    return directory


def analyst(connection: psycopg.Connection[tuple[object, ...]]) -> tuple[object, ...] | None:
    return connection.execute(
        "SELECT rolcanlogin, rolcreatedb FROM pg_roles WHERE rolname = 'docket_analyst'"
    ).fetchone()


def wait_until_waiting(connection: psycopg.Connection[tuple[object, ...]], databases: list[str], count: int) -> None:
    """Returns once `count` sessions on `databases` wait for a lock."""
    deadline = time.monotonic() + LINE_UP_WITHIN
    while time.monotonic() < deadline:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY(%s) AND wait_event_type = 'Lock'", (databases,)
        ).fetchone()
        if row == (count,):
            return
        time.sleep(0.05)
    pytest.fail(f"{count} migrations did not reach the role within {LINE_UP_WITHIN} seconds")


def migrate_at_once(runtimes: list[Runtime], held: str, directory: Path) -> list[Exception]:
    """Migrates each runtime's schema from `directory` at once; what they raise.

    An open transaction that ran `held` (a change to a server-wide row the migrations change too) lines them up:
    each reaches the row and waits. Once it is rolled back, one migration changes the row while the others wait for
    it, as migrations that met there by chance would.
    """
    failures: list[Exception] = []

    def migrating(runtime: Runtime) -> None:
        try:
            migrate(runtime.store, directory)
        except Exception as error:  # noqa: BLE001 - what the test reports
            failures.append(error)

    threads = [threading.Thread(target=migrating, args=(runtime,)) for runtime in runtimes]
    with psycopg.connect(POSTGRES_ADMIN_URL) as gate, psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as watcher:
        gate.execute(held)
        try:
            for thread in threads:
                thread.start()
            wait_until_waiting(watcher, [r.settings.database.dbname for r in runtimes], len(runtimes))
        finally:
            gate.rollback()
            for thread in threads:
                if thread.ident is not None:
                    thread.join()
    return failures


@pytest.mark.postgres
def test_two_databases_migrating_at_once_both_bring_the_server_wide_analyst_role_into_line(
    unmigrated: list[Runtime], tmp_path: Path
) -> None:
    earlier = migrations_before(ANALYST_LOGIN, tmp_path / "earlier")
    for runtime in unmigrated:
        migrate(runtime.store, earlier)
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            # As the migration must change it: CREATEDB rather than NOLOGIN, as other tests log in as the role.
            connection.execute("ALTER ROLE docket_analyst CREATEDB")
        held = "ALTER ROLE docket_analyst CREATEDB"

        assert migrate_at_once(unmigrated, held, MIGRATIONS_DIR) == []
        with psycopg.connect(POSTGRES_ADMIN_URL) as connection:
            assert analyst(connection) == (True, False)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            if analyst(connection) != (True, False):
                connection.execute("ALTER ROLE docket_analyst LOGIN NOCREATEDB")  # as the migrations leave it


@pytest.mark.postgres
def test_two_databases_migrating_at_once_both_create_the_role_they_need_once(
    unmigrated: list[Runtime], tmp_path: Path
) -> None:
    role = f"docket_test_{uuid.uuid4().hex[:12]}"
    directory = tmp_path / "migrations"
    directory.mkdir()
    # As 0005 creates docket_analyst, the first time any database on the server is migrated.
    (directory / "0001_role.postgres.sql").write_text(
        f"DO $$\nBEGIN\n    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN\n"
        f"        CREATE ROLE {role} NOLOGIN;\n    END IF;\nEND\n$$;\n"
    )
    try:
        held = f"CREATE ROLE {role}"

        assert migrate_at_once(unmigrated, held, directory) == []
        with psycopg.connect(POSTGRES_ADMIN_URL) as connection:
            assert connection.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (role,)).fetchone() == (1,)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f"DROP ROLE IF EXISTS {role}")

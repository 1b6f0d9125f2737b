"""`docket sql`: analysts read the read models and cannot write or read the event store."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from app.config.database import Database
from app.read.migrations import MIGRATIONS_DIR

DOCKET = str(Path(sys.executable).with_name("docket"))


def _docket(url: str, cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKET_DATABASE_URL": url}
    return subprocess.run(
        [DOCKET, *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


def test_sql_shell_on_sqlite_answers_queries_and_refuses_writes(sqlite_url: str, tmp_path: Path) -> None:
    assert _docket(sqlite_url, tmp_path, "demo").returncode == 0
    counted = _docket(sqlite_url, tmp_path, "sql", "-c", "SELECT count(*) AS n FROM decisions")
    assert counted.returncode == 0, counted.stderr
    assert counted.stdout.splitlines()[2].strip() == "12"

    refused = _docket(sqlite_url, tmp_path, "sql", "-c", "DELETE FROM decisions")
    assert refused.returncode == 1
    assert refused.stdout.startswith("error: refused:")
    still = _docket(sqlite_url, tmp_path, "sql", stdin="SELECT count(*)\nFROM decisions;\n")
    assert still.stdout.splitlines()[2].strip() == "12"


@pytest.mark.postgres
def test_sql_shell_on_postgres_reads_read_models_as_the_analyst_role_and_nothing_else(
    postgres_url: str, tmp_path: Path
) -> None:
    assert _docket(postgres_url, tmp_path, "migrate").returncode == 0
    assert _docket(postgres_url, tmp_path, "demo").returncode == 0
    counted = _docket(
        postgres_url, tmp_path, "sql", "-c", "SELECT count(*) AS n FROM strikes", "-c", "SELECT current_user"
    )
    assert counted.returncode == 0, counted.stdout + counted.stderr
    assert counted.stdout.splitlines()[2].strip() == "10"
    assert "docket_analyst" in counted.stdout

    database = Database.parse(postgres_url)
    with psycopg.connect(database.conninfo()) as connection:
        readable: dict[str, bool] = dict(connection.execute(
            "SELECT table_name, has_table_privilege('docket_analyst', format('%%I.%%I', table_schema, table_name), "
            "'SELECT') FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            (database.schema,),
        ).fetchall())
    assert readable.pop("docket_events") is False
    assert readable.pop("webhook_secrets") is False
    assert readable.pop("subject_keys") is False
    assert {"cases", "report_claims", "batches", "ledger_checkpoints"} <= set(readable)  # later migrations' too
    assert [table for table, granted in readable.items() if not granted] == []

    for statement in (
        "SELECT count(*) FROM docket_events",
        "INSERT INTO accounts (account_id, stream_id, first_seen_at, updated_at) VALUES ('x', 'y', now(), now())",
        "DELETE FROM decisions",
    ):
        refused = _docket(postgres_url, tmp_path, "sql", "-c", statement)
        assert refused.returncode == 1, statement
        assert "error:" in refused.stdout


def test_sql_shell_on_sqlite_refuses_other_files_pragma_writes_the_event_store_and_secrets(
    sqlite_url: str, tmp_path: Path
) -> None:
    assert _docket(sqlite_url, tmp_path, "demo").returncode == 0
    attached, vacuumed = tmp_path / "attached.db", tmp_path / "vacuumed.db"
    refused = [
        f"ATTACH '{attached}' AS outside", "DETACH outside", f"VACUUM INTO '{vacuumed}'", "VACUUM",
        "PRAGMA user_version = 5", "PRAGMA writable_schema = on", "SELECT count(*) FROM stored_events",
        "SELECT * FROM main.STORED_EVENTS", "CREATE TEMP TABLE scratch (x)", "SELECT secret FROM webhook_secrets",
        "SELECT key FROM subject_keys",
    ]
    ran = _docket(sqlite_url, tmp_path, "sql", *(arg for statement in refused for arg in ("-c", statement)))
    assert ran.returncode == 1
    assert len(ran.stdout.splitlines()) == len(refused)
    assert all(line.startswith("error: refused: ") for line in ran.stdout.splitlines()), ran.stdout
    assert not attached.exists() and not vacuumed.exists()

    described = _docket(
        sqlite_url, tmp_path, "sql", "-c", "PRAGMA table_info(cases)", "-c", "PRAGMA user_version",
        "-c", "SELECT name FROM pragma_table_info('projection_positions') ORDER BY cid",
    )
    assert described.returncode == 0, described.stdout
    assert [line.strip() for line in described.stdout.splitlines()[-4:]] == [
        "name", "position", "updated_at", "(3 rows)",
    ]


def test_a_statement_failing_inside_begin_leaves_the_next_statements_to_run(database_url: str, tmp_path: Path) -> None:
    assert _docket(database_url, tmp_path, "demo").returncode == 0
    ran = _docket(
        database_url, tmp_path, "sql", "-c", "BEGIN", "-c", "SELECT no_such_column FROM strikes",
        "-c", "BEGIN", "-c", "SELECT count(*) AS n FROM strikes", "-c", "COMMIT",
    )
    assert ran.returncode == 1
    lines = ran.stdout.splitlines()
    assert len([line for line in lines if line.startswith("error:")]) == 1
    assert [line.strip() for line in lines[-4:]] == ["n", "--", "10", "(1 row)"]


@pytest.mark.postgres
def test_sql_shell_on_postgres_cannot_take_back_a_privileged_role(postgres_url: str, tmp_path: Path) -> None:
    assert _docket(postgres_url, tmp_path, "demo").returncode == 0
    ran = _docket(
        postgres_url, tmp_path, "sql",
        "-c", "RESET ROLE",
        "-c", "SET ROLE postgres",
        "-c", "SET ROLE pg_write_all_data",
        "-c", "SET SESSION AUTHORIZATION postgres",
        "-c", "SET default_transaction_read_only = off",
        "-c", "CREATE TABLE loot (x int)",
        "-c", "UPDATE docket_events SET topic = 'tampered'",
        "-c", "SELECT session_user AS logged_in, current_user AS acting",
    )
    errors = [line for line in ran.stdout.splitlines() if line.startswith("error:")]
    assert [error.split(":")[1].strip() for error in errors] == [
        'permission denied to set role "postgres"', 'permission denied to set role "pg_write_all_data"',
        'permission denied to set session authorization "postgres"',
        "permission denied for schema " + postgres_url.split("=")[-1],
        "permission denied for table docket_events",
    ], ran.stdout
    assert ran.stdout.splitlines()[-2].split() == ["docket_analyst", "|", "docket_analyst"]

    database = Database.parse(postgres_url)
    with psycopg.connect(database.conninfo()) as connection:
        assert connection.execute("SELECT to_regclass('loot')").fetchone() == (None,)
        assert connection.execute("SELECT count(*) FROM docket_events WHERE topic = 'tampered'").fetchone() == (0,)


@pytest.mark.postgres
def test_the_analyst_migration_takes_back_whatever_an_existing_analyst_role_could_climb_with(
    postgres_url: str, tmp_path: Path
) -> None:
    assert _docket(postgres_url, tmp_path, "migrate").returncode == 0
    database = Database.parse(postgres_url)
    # One transaction, rolled back: the role is the whole server's, and other tests use it meanwhile.
    with psycopg.connect(database.conninfo()) as connection:
        connection.execute("ALTER ROLE docket_analyst NOLOGIN SUPERUSER CREATEROLE CREATEDB")
        connection.execute("GRANT postgres, pg_write_all_data TO docket_analyst")
        connection.execute(f'GRANT CREATE ON SCHEMA "{database.schema}" TO PUBLIC')
        connection.execute("GRANT ALL ON docket_events, decisions TO docket_analyst")
        connection.execute((MIGRATIONS_DIR / "0011_analyst_login.postgres.sql").read_text())
        analyst = connection.execute(
            "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, "
            "(SELECT count(*) FROM pg_auth_members WHERE member = r.oid), "
            "has_schema_privilege(rolname, %s, 'CREATE'), "
            "has_table_privilege(rolname, 'docket_events', 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'), "
            "has_table_privilege(rolname, 'decisions', 'INSERT, UPDATE, DELETE, TRUNCATE'), "
            "has_table_privilege(rolname, 'decisions', 'SELECT') "
            "FROM pg_roles r WHERE rolname = 'docket_analyst'",
            (database.schema,),
        ).fetchone()
        connection.rollback()
    assert analyst == (True, False, False, False, 0, False, False, False, True)

"""The `docket` command as an operator runs it: migrate, and serve on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx2 as httpx
import psycopg
import pytest

from app.config.database import Database
from app.read.migrations import available
from bench.servers import STARTUP, Server, clean_env, docket, free_port, serving

TOKEN = re.compile(r"^\s+(dkt_\S+)\s*$")
POLICIES = "{ policies { domain key } }"


def post(server: Server, token: str | None, query: str = POLICIES) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return httpx.post(f"{server.url}/graphql", json={"query": query}, headers=headers, timeout=10)


def applied_migrations(postgres_url: str) -> list[tuple[int, str]]:
    with psycopg.connect(Database.parse(postgres_url).conninfo()) as connection:
        rows = connection.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    return [(int(version), str(name)) for version, name in rows]


def stored_events(postgres_url: str) -> int:
    with psycopg.connect(Database.parse(postgres_url).conninfo()) as connection:
        row = connection.execute("SELECT count(*) FROM docket_events").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.postgres
def test_migrate_applies_each_migration_once_and_records_it(postgres_url: str, tmp_path: Path) -> None:
    env = clean_env(DOCKET_DATABASE_URL=postgres_url)

    first = docket("migrate", cwd=tmp_path, env=env)
    events_after_first = stored_events(postgres_url)
    second = docket("migrate", cwd=tmp_path, env=env)

    assert first.returncode == 0, first.stderr
    assert "applied 0001_read_models" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "applied" not in second.stdout
    assert "up to date" in second.stdout
    assert applied_migrations(postgres_url)[0] == (1, "read_models")
    assert len(applied_migrations(postgres_url)) == len(re.findall(r"^applied ", first.stdout, re.MULTILINE))
    # The starter catalog is seeded once, not again.
    assert events_after_first == stored_events(postgres_url) > 0
    assert not (tmp_path / "docket.db").exists()


def test_serve_on_the_embedded_default_invents_a_token_once_and_answers_with_it(tmp_path: Path) -> None:
    env = clean_env()

    with serving(tmp_path, env) as server:
        token = server.read_match(TOKEN, time.monotonic() + STARTUP)[1]
        server.wait_until_healthy(time.monotonic() + STARTUP)

        answered = post(server, token)
        refused = post(server, None)

    assert answered.status_code == 200
    body = answered.json()
    assert "errors" not in body
    assert {p["domain"] for p in body["data"]["policies"]} == {"trust_safety", "ads", "shopping", "monetization"}
    assert refused.status_code == 401
    assert (tmp_path / "docket.db").exists()
    tokens_file = tmp_path / "docket-tokens.toml"
    assert tokens_file.exists() and token not in tokens_file.read_text()

    # A second start keeps the file: no new token, and the first one still works.
    with serving(tmp_path, env) as server:
        server.wait_until_healthy(time.monotonic() + STARTUP)
        again = post(server, token)
        printed = server.printed()

    assert again.status_code == 200
    assert "dkt_" not in printed


@pytest.mark.postgres
def test_serve_on_postgres_without_a_tokens_file_refuses_to_start(postgres_url: str, tmp_path: Path) -> None:
    migrated = docket("migrate", cwd=tmp_path, env=clean_env(DOCKET_DATABASE_URL=postgres_url))
    assert migrated.returncode == 0, migrated.stderr

    result = docket("serve", "--port", str(free_port()), cwd=tmp_path,
                    env=clean_env(DOCKET_DATABASE_URL=postgres_url), timeout=30)

    assert result.returncode != 0
    assert "DOCKET_TOKENS_FILE" in result.stderr
    assert "dkt_" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_serve_on_an_unmigrated_postgres_database_refuses_to_start(postgres_url: str, tmp_path: Path) -> None:
    tokens_file = tmp_path / "tokens.toml"
    tokens_file.write_text("")

    result = docket("serve", "--port", str(free_port()), cwd=tmp_path, timeout=30,
                    env=clean_env(DOCKET_DATABASE_URL=postgres_url, DOCKET_TOKENS_FILE=str(tokens_file)))

    assert result.returncode != 0
    assert "docket migrate" in result.stderr


@pytest.mark.postgres
def test_demo_on_a_new_postgres_schema_migrates_it_and_loads_a_month_of_history(
    postgres_url: str, tmp_path: Path
) -> None:
    result = docket("demo", cwd=tmp_path, timeout=60, env=clean_env(DOCKET_DATABASE_URL=postgres_url))

    assert result.returncode == 0, result.stderr
    assert "a month of enforcement" in result.stdout
    assert [version for version, _ in applied_migrations(postgres_url)] == [m.version for m in available("postgres")]
    assert stored_events(postgres_url) > 0

"""Fixtures: databases on SQLite and PostgreSQL (each run its own), and the real ASGI app."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from starlette.testclient import TestClient

from app.auth.tokens import create_token
from app.automation.test_server import Behaviour, RunningServer
from app.config.settings import Settings
from app.http.asgi import create_app
from app.runtime.wiring import Runtime, open_runtime
from tests.support import Api, Docket, MovableClock

MODEL_KEY_ENV = "DOCKET_TEST_MODEL_KEY"
POSTGRES_ADMIN_URL = os.environ.get("DOCKET_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.OperationalError as error:
        return str(error)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of this test run's own on the PostgreSQL server, dropped at the end."""
    problem = _postgres_reachable()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable: {problem}")
        pytest.skip(f"PostgreSQL is not reachable: {problem}")
    name = f"docket_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """A fresh schema in this run's database, for one test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_database, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    return f"{postgres_database}?schema={schema}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'docket.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on the embedded SQLite default and once on PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def runtime(database_url: str, clock: MovableClock) -> Iterator[Runtime]:
    """A prepared ledger and read store, with no background projector: tests call catch_up()."""
    runtime = open_runtime(Settings(database_url=database_url), clock=clock)
    yield runtime
    runtime.close()


API_CONSISTENCY_TIMEOUT = 30.0
"""How long the API's `minPosition` reads wait for the projector in tests: the default 5 s ran out once on a loaded
CI machine (-n 2 beside PostgreSQL on two CPUs), and no API test waits for the timeout to pass except those that
set their own."""


@pytest.fixture
def api(database_url: str, clock: MovableClock, tmp_path: Path) -> Iterator[Api]:
    """The real ASGI app on its database, with an admin token."""
    tokens_file = tmp_path / "tokens.toml"
    token = create_token(tokens_file, "alice", ["admin"], ["*"])
    settings = Settings(database_url=database_url, tokens_file=tokens_file, consistency_timeout=API_CONSISTENCY_TIMEOUT)
    open_runtime(settings, clock=clock).close()  # migrate and seed, as `docket migrate` would
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Api(client=client, token=token, clock=clock, tokens={"alice": token}, tokens_file=tokens_file)


@pytest.fixture(scope="session")
def model_server() -> Iterator[RunningServer]:
    """The OpenAI-compatible test model server on a loopback port, for the whole run; tests set its behaviour."""
    with RunningServer() as server:
        yield server


@pytest.fixture
def models(model_server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningServer]:
    """The test model server, answering at once and without failures, as each test starts; its key in the
    environment variable rules name (the server takes any)."""
    monkeypatch.setenv(MODEL_KEY_ENV, "sk-local-test")
    model_server.state.default = Behaviour()
    model_server.state.models.clear()
    yield model_server


@pytest.fixture
def docket(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Docket:
    """The `docket` command on the test's database."""
    monkeypatch.setenv("DOCKET_DATABASE_URL", database_url)
    return Docket(capsys)

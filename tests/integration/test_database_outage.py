"""While PostgreSQL refuses connections the API answers 503, then recovers by itself and loses nothing."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient

from app.auth.tokens import create_token
from app.config.settings import Settings
from app.http.asgi import create_app
from app.runtime.wiring import open_runtime
from tests.api.ledger_api import RECORD_DETECTION, detection_input
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support import Api, MovableClock

pytestmark = pytest.mark.postgres


@pytest.fixture
def outage_database(postgres_database: str) -> Iterator[str]:
    """A database of this test's own, so refusing its connections disturbs no other test."""
    name = f"docket_outage_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


DURING: dict[str, Any] = {"query": RECORD_DETECTION, "variables": {"input": detection_input("clf-during")}}


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/graphql-response+json"}


def until(condition: Callable[[], bool], seconds: float = 30) -> bool:
    """Polls a condition the way a client retries: bounded, a quarter second apart."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def take_down(name: str, allow: bool) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}')
        if not allow:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))


def test_the_api_answers_503_while_the_database_is_down_and_recovers_without_losing_writes(
    outage_database: str, tmp_path: Path
) -> None:
    url = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{outage_database}"
    tokens = tmp_path / "tokens.toml"
    token = create_token(tokens, "pipeline", ["admin"], ["*"])
    settings = Settings(database_url=url, tokens_file=tokens, consistency_timeout=10)
    open_runtime(settings).close()
    clock = MovableClock()
    with TestClient(create_app(settings, clock=clock)) as client:
        api = Api(client=client, token=token, clock=clock)
        first = api.data(RECORD_DETECTION, {"input": detection_input("clf-before")})["recordDetection"]
        assert first["__typename"] == "Detection"

        take_down(outage_database, allow=False)
        assert until(lambda: client.get("/readyz").status_code == 503), "the watchdog never noticed the outage"
        write = client.post("/graphql", headers=headers(token), json=DURING)
        read = client.post("/graphql", headers=headers(token), json={"query": "{ policies { key } }"})

        for response in (write, read):
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"] == "1"
            assert {e["extensions"]["code"] for e in response.json()["errors"]} == {"UNAVAILABLE"}
            assert response.elapsed.total_seconds() < 1

        take_down(outage_database, allow=True)
        # Recovery needs no restart: a client retries the same write until it is acknowledged.
        assert until(lambda: client.post("/graphql", headers=headers(token), json=DURING).status_code == 200)
        retried = api.data(RECORD_DETECTION, DURING["variables"])["recordDetection"]
        again = api.data(RECORD_DETECTION, DURING["variables"])["recordDetection"]
        assert retried["__typename"] == "Detection"
        assert again["id"] == retried["id"]
        assert until(lambda: client.get("/readyz").status_code == 200)

        events = api.data(
            "query($p: String) { events(first: 500, minPosition: $p, "
            'filter: {eventTypes: ["Detection.Recorded"]}) { edges { node { data } } } }',
            {"p": again["position"]},
        )["events"]["edges"]
        external_ids = sorted(e["node"]["data"]["facts"]["external_id"] for e in events)
        assert external_ids == ["clf-before", "clf-during"]

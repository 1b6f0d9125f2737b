"""`docket project`, the projection worker for PostgreSQL, run as operators run it: as a process.

It is woken by the library's NOTIFY, survives SIGKILL without projecting anything twice or
missing anything (its read models end equal to a rebuild from zero of the same ledger), stops
cleanly on SIGTERM, and lets `docket serve` leave projecting to it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2 as httpx
import psycopg
import pytest

from app.config.database import Database
from app.config.settings import Settings
from app.read.migrations import migrate
from app.read.read_models import all_projections
from app.read.rebuild.plan import rebuildable
from app.read.rebuild.run import rebuild
from app.runtime.wiring import Runtime, open_runtime
from bench.servers import STARTUP, clean_env, docket, serving, worker
from tests.history import write_history

pytestmark = pytest.mark.postgres

CAUGHT_UP = 180.0
READ_MODELS = len(all_projections())


def fresh_schema(postgres_database: str) -> str:
    schema = f"w_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_database, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    return f"{postgres_database}?schema={schema}"


def migrated(postgres_database: str, tmp_path: Path) -> tuple[str, Runtime]:
    """A fresh schema migrated by `docket migrate`, as operators do, and a runtime of its own on it."""
    url = fresh_schema(postgres_database)
    assert docket("migrate", cwd=tmp_path, env=clean_env(DOCKET_DATABASE_URL=url)).returncode == 0
    return url, open_runtime(Settings(database_url=url), prepare=False)


def progress(url: str) -> tuple[int, int]:
    """(the lowest position of the read models, the ledger's head)."""
    with psycopg.connect(Database.parse(url).conninfo()) as connection:
        low = connection.execute("SELECT coalesce(min(position), 0), count(*) FROM projection_positions").fetchone()
        head = connection.execute("SELECT coalesce(max(notification_id), 0) FROM docket_events").fetchone()
    assert low is not None and head is not None
    return (int(low[0]) if low[1] == READ_MODELS else 0), int(head[0])


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def read_models(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every read model's tables and of the ledger chain, in a stable order."""
    names = [t for p in rebuildable(runtime.projector.projections) for t in p.tables] + ["ledger_chain"]
    found = {}
    with runtime.store.transaction(write=False) as sql:
        for table in names:
            sql.execute(f"SELECT * FROM {table}")
            found[table] = sorted(sql.fetchall(), key=repr)
    return found


def rebuilt_elsewhere(postgres_database: str, source_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """A fresh schema with a copy of the source's ledger, its read models rebuilt from zero there."""
    url = fresh_schema(postgres_database)
    runtime = open_runtime(Settings(database_url=url), prepare=False)  # creates the (empty) ledger tables
    try:
        source = Database.parse(source_url).schema
        target = Database.parse(url).schema
        migrate(runtime.store)
        with psycopg.connect(postgres_database, autocommit=True) as connection:
            connection.execute(f'INSERT INTO "{target}".docket_events SELECT * FROM "{source}".docket_events')
            # and the accounts' keys, kept apart from the events: without them sealed fields read as erased
            connection.execute(f'INSERT INTO "{target}".subject_keys SELECT * FROM "{source}".subject_keys')
        rebuild(runtime)
        runtime.projector.catch_up()  # the ledger chain, which a rebuild does not make, from zero
        return read_models(runtime)
    finally:
        runtime.close()


def test_a_worker_killed_and_restarted_projects_every_event_exactly_once(
    postgres_database: str, tmp_path: Path
) -> None:
    url, runtime = migrated(postgres_database, tmp_path)
    try:
        failures: list[BaseException] = []

        def write() -> None:
            try:
                write_history(runtime.ledger, 1500, batch=50, subjects=600)
            except BaseException as error:  # noqa: BLE001 - reported by the test below
                failures.append(error)

        writer = threading.Thread(target=write)
        with worker(url, tmp_path, "--poll-interval", "0.5") as first:
            writer.start()
            wait_until(lambda: progress(url)[0] >= 600, CAUGHT_UP, "the worker has projected 600 events")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=15)
        killed_at = progress(url)[0]
        time.sleep(0.5)
        with worker(url, tmp_path, "--poll-interval", "0.5") as second:
            writer.join(timeout=300)
            assert not writer.is_alive() and not failures, failures
            head = runtime.ledger.head()
            wait_until(lambda: progress(url) == (head, head), CAUGHT_UP, "the restarted worker reaches the head")
            second.send_signal(signal.SIGTERM)
            try:
                second.wait(timeout=30)
            except subprocess.TimeoutExpired:
                second.send_signal(signal.SIGABRT)
                second.wait(timeout=10)
                raise AssertionError("the worker did not stop on SIGTERM; its stderr:\n" + "".join(
                    f.read_text() for f in tmp_path.glob("project-*.stderr"))) from None
            assert second.returncode == 0
        assert killed_at < head
        projected = read_models(runtime)
    finally:
        runtime.close()

    assert sum(len(rows) for rows in projected.values()) > 3000
    assert projected == rebuilt_elsewhere(postgres_database, url)


def test_two_workers_at_once_project_every_event_exactly_once(postgres_database: str, tmp_path: Path) -> None:
    url, runtime = migrated(postgres_database, tmp_path)
    try:
        with worker(url, tmp_path, "--poll-interval", "0.2") as first, \
                worker(url, tmp_path, "--poll-interval", "0.2") as second:
            head = write_history(runtime.ledger, 600, batch=20, subjects=300)
            wait_until(lambda: progress(url) == (head, head), CAUGHT_UP, "the two workers reach the head")
            for process in (first, second):
                process.send_signal(signal.SIGTERM)
                assert process.wait(timeout=30) == 0
        logs = [f.read_text() for f in tmp_path.glob("project-*.stderr")]
        projected = read_models(runtime)
    finally:
        runtime.close()

    assert len(logs) == 2 and all("stopped at positions" in log for log in logs)
    assert projected == rebuilt_elsewhere(postgres_database, url)


def test_of_two_workers_one_projects_and_the_other_takes_over_when_it_is_killed(
    postgres_database: str, tmp_path: Path
) -> None:
    url, runtime = migrated(postgres_database, tmp_path)
    logs: dict[int, Path] = {}

    def logs_of(process: subprocess.Popen[str]) -> str:
        return logs[process.pid].read_text()

    try:
        with worker(url, tmp_path, "--poll-interval", "0.2") as first:
            logs[first.pid] = next(tmp_path.glob("project-*.stderr"))
            wait_until(lambda: "projecting" in logs_of(first), STARTUP, "the first worker takes the lease")
            with worker(url, tmp_path, "--poll-interval", "0.2") as second:
                logs[second.pid] = next(f for f in tmp_path.glob("project-*.stderr") if f != logs[first.pid])
                wait_until(lambda: "standing by" in logs_of(second), STARTUP, "the second worker stands by")
                head = write_history(runtime.ledger, 200, batch=20, subjects=100)
                wait_until(lambda: progress(url) == (head, head), CAUGHT_UP, "the first worker reaches the head")
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=15)
                head = write_history(runtime.ledger, 200, batch=20, subjects=100, run="after")
                wait_until(lambda: progress(url) == (head, head), CAUGHT_UP, "the second worker takes over")
                assert "projecting" in logs_of(second)
                second.send_signal(signal.SIGTERM)
                assert second.wait(timeout=30) == 0
        projected = read_models(runtime)
    finally:
        runtime.close()

    assert projected == rebuilt_elsewhere(postgres_database, url)


def test_a_notify_wakes_the_worker_long_before_its_poll_interval(postgres_database: str, tmp_path: Path) -> None:
    url, runtime = migrated(postgres_database, tmp_path)
    try:
        with worker(url, tmp_path, "--poll-interval", "60") as process:
            wait_until(lambda: progress(url)[0] == progress(url)[1] > 0, CAUGHT_UP, "the worker is at the head")
            time.sleep(0.5)  # idle, waiting for a notification
            started = time.monotonic()
            head = write_history(runtime.ledger, 3)
            wait_until(lambda: progress(url)[0] >= head, 10, "the worker projects the new events")
            latency = time.monotonic() - started
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 0
    finally:
        runtime.close()
    assert latency < 5
    log = next(tmp_path.glob("project-*.stderr")).read_text()
    assert f"woken by NOTIFY on docket_recorded_{Database.parse(url).schema}" in log
    assert "stopped at positions" in log


def test_serve_leaves_the_read_models_to_the_worker_and_still_reads_its_writes(
    postgres_database: str, tmp_path: Path
) -> None:
    url = fresh_schema(postgres_database)
    tokens = tmp_path / "tokens.toml"
    env = clean_env(DOCKET_DATABASE_URL=url, DOCKET_TOKENS_FILE=str(tokens), DOCKET_RUN_PROJECTIONS="0",
                    DOCKET_CONSISTENCY_TIMEOUT="5")
    assert docket("migrate", cwd=tmp_path, env=env).returncode == 0
    created = docket("token", "create", "--principal", "ops", "--role", "admin", cwd=tmp_path, env=env)
    token = created.stdout.strip()

    def detect(external_id: str) -> str:
        body = gql(server.url, token, RECORD, {"i": {**DETECTION, "externalId": external_id}})
        return str(body["data"]["recordDetection"]["position"])

    def case(position: str) -> dict[str, Any]:
        return gql(server.url, token, CASE, {"p": position})

    with serving(tmp_path, env) as server:
        server.wait_until_healthy(time.monotonic() + STARTUP)
        first = detect("clf-1")
        waited = case(first)
        assert waited["errors"][0]["extensions"]["code"] == "NOT_YET_CONSISTENT"  # serve projects nothing itself
        with worker(url, tmp_path) as process:
            started = time.monotonic() + STARTUP
            while "errors" in (answered := case(first)) and time.monotonic() < started:
                pass  # the worker is still starting: each try waits the consistency timeout
            assert "errors" not in answered, answered
            assert answered["data"]["case"]["detections"] == [{"externalId": "clf-1"}]
            second = detect("clf-2")
            answered = case(second)  # the worker, woken by the write, gets there within the wait
            assert "errors" not in answered, answered
            assert len(answered["data"]["case"]["detections"]) == 2
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0


RECORD = """mutation($i: RecordDetectionInput!) { recordDetection(input: $i) {
  __typename ... on Detection { position } ... on ValidationError { message } } }"""
CASE = """query($p: String) { case(subject: {domain: "trust_safety", kind: "pin", id: "pin-7"}, minPosition: $p) {
  status detections { externalId } } }"""
DETECTION = {
    "subject": {"domain": "trust_safety", "kind": "pin", "id": "pin-7"}, "accountId": "user-7", "policy": "spam",
    "source": "CLASSIFIER", "confidence": 0.9, "model": "clf", "contentType": "IMAGE",
}


def gql(url: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = json.loads(response.text)
    return body

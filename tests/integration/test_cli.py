"""The `docket` command as an operator runs it: migrate, and serve on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import psycopg
import pytest

from app.database import Database

DOCKET = str(Path(sys.executable).with_name("docket"))
TOKEN = re.compile(r"^\s+(dkt_\S+)\s*$")
STARTUP = 30.0
POLICIES = "{ policies { domain key } }"


def clean_env(**settings: str) -> dict[str, str]:
    """The environment of an operator's shell: none of the test run's DOCKET_* settings leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKET_")}
    return {**env, **settings}


def docket(*args: str, cwd: Path, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DOCKET, *args], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str
    lines: queue.Queue[str | None]

    def read_token(self, deadline: float) -> str:
        """Reads stdout until the token line; fails if the process ends or the deadline passes first."""
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "docket serve printed no token in time"
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            assert line is not None, f"docket serve exited ({self.process.poll()}) without printing a token"
            match = TOKEN.match(line)
            if match:
                return match[1]

    def wait_until_healthy(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"docket serve exited with {self.process.returncode}"
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("docket serve did not become healthy in time")

    def printed(self) -> str:
        """Everything printed on stdout so far (the reader thread keeps draining it)."""
        seen = []
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return "".join(seen)
            if line is not None:
                seen.append(line)


@contextmanager
def serving(cwd: Path, env: dict[str, str]) -> Iterator[Server]:
    """`docket serve` on a free loopback port; always stopped, and killed if it will not stop."""
    port = free_port()
    stderr = (cwd / f"serve-{port}.stderr").open("w")
    process = subprocess.Popen(
        [DOCKET, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        yield Server(process, f"http://127.0.0.1:{port}", lines)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        reader.join(timeout=5)
        assert process.stdout is not None
        process.stdout.close()
        stderr.close()


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
        token = server.read_token(time.monotonic() + STARTUP)
        server.wait_until_healthy(time.monotonic() + STARTUP)

        answered = post(server, token)
        refused = post(server, None)

    assert answered.status_code == 200
    body = answered.json()
    assert "errors" not in body
    assert {p["domain"] for p in body["data"]["policies"]} == {"trust_safety", "ads", "shopping"}
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
def test_demo_on_an_unmigrated_postgres_database_asks_for_docket_migrate(postgres_url: str, tmp_path: Path) -> None:
    result = docket("demo", cwd=tmp_path, timeout=60, env=clean_env(DOCKET_DATABASE_URL=postgres_url))

    assert result.returncode == 2
    assert "run `docket migrate` first" in result.stderr
    assert "Traceback" not in result.stderr

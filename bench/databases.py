"""The benchmarks' own PostgreSQL databases: one per run, dropped at the end even on failure."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

DEFAULT_ADMIN_URL = os.environ.get(
    "DOCKET_BENCH_POSTGRES", os.environ.get("DOCKET_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
)


@contextmanager
def own_database(admin_url: str, name: str | None = None) -> Iterator[tuple[str, str]]:
    """A new database (bench_<random> unless named) on the server of `admin_url`: its URL and the server version."""
    database = name or f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        row = admin.execute("SHOW server_version").fetchone()
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{database}", str(row and row[0])
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def run_database(stack: ExitStack, workdir: Path, sqlite: bool, admin_url: str) -> tuple[str, str]:
    """A SQLite file in `workdir`, or a database of the run's own on PostgreSQL, dropped when `stack` closes: its
    URL and the engine, to print."""
    if sqlite:
        return f"sqlite:///{workdir / 'docket.db'}", "SQLite"
    url, version = stack.enter_context(own_database(admin_url))
    return url, f"PostgreSQL {version}"

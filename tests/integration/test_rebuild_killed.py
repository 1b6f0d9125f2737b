"""`docket rebuild` killed with SIGKILL half-way: the old read models are intact and keep serving.

Run as operators run it, on the embedded SQLite default and on PostgreSQL; killed while it
builds, and on PostgreSQL also while it fills its shadow schema.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from app.config.settings import Settings
from app.read.rebuild.shadow import side_schemas
from app.read.store import read
from app.runtime.wiring import Runtime, open_runtime
from bench.servers import DOCKET, clean_env, docket
from domain.values import Subject
from projections.case_status.queries import find_case
from tests.history import write_history
from tests.projections.test_rebuild import positions, projected_from_zero, snapshot


def build_position(path: Path) -> int:
    """How far the build file has got; 0 while it does not exist or has nothing yet."""
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1) as connection:
            row = connection.execute("SELECT min(position) FROM projection_positions").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0] or 0)


def shadow_exists(runtime: Runtime) -> bool:
    database = runtime.settings.database
    with psycopg.connect(database.conninfo()) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = %s", (side_schemas(database.schema)[0],)
        ).fetchone()
    return bool(row and row[0] > 0)


@pytest.fixture
def busy(database_url: str) -> Runtime:
    runtime = open_runtime(Settings(database_url=database_url))
    write_history(runtime.ledger, 1500, batch=100, subjects=1000)
    runtime.projector.catch_up()
    return runtime


@pytest.mark.parametrize("moment", ["building", "filling the shadow schema"])
def test_a_rebuild_killed_half_way_leaves_the_old_read_models_serving(
    busy: Runtime, database_url: str, tmp_path: Path, moment: str
) -> None:
    runtime = busy
    database = runtime.settings.database
    if moment != "building" and not database.is_postgres:
        pytest.skip("only PostgreSQL has a shadow schema")
    try:
        before, at = snapshot(runtime), positions(runtime)
        workdir = tmp_path / "work"
        workdir.mkdir()
        extra = ["--workdir", str(workdir)] if database.is_postgres else []
        assert database.is_postgres or database.sqlite_path is not None

        def found() -> bool:
            """Whether the rebuild has reached the moment to kill it at."""
            if not database.is_postgres:
                return build_position(Path(f"{database.sqlite_path}.rebuild")) > 0
            if moment == "building":
                return any(build_position(p) > 0 for p in workdir.glob("*.sqlite"))
            return shadow_exists(runtime)

        env = clean_env(DOCKET_DATABASE_URL=database_url)
        process = subprocess.Popen(
            [DOCKET, "rebuild", "--batch", "100", *extra],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 120
        while not found():
            assert process.poll() is None, f"the rebuild ended before it could be killed: {process.communicate()[1]}"
            assert time.monotonic() < deadline, "the rebuild never got going"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.stderr is not None
        process.stderr.close()

        assert snapshot(runtime) == before
        assert positions(runtime) == at
        case = before["cases"][0]
        assert read(runtime.store, find_case, Subject(case[1], case[2], case[3])) is not None
        write_history(runtime.ledger, 30, seed=8, run="after-kill")
        runtime.projector.catch_up()  # the live read models are still kept up to date
        expected = snapshot(runtime)

        again = docket("rebuild", *extra, cwd=tmp_path, env=env, timeout=300)
        assert again.returncode == 0, again.stderr
        assert "swapped them in" in again.stdout
        assert snapshot(runtime) == expected == projected_from_zero(runtime)
        if database.is_postgres:
            assert not shadow_exists(runtime)
            assert list(workdir.glob("*.sqlite*")) == []
        else:
            assert not Path(f"{database.sqlite_path}.rebuild").exists()
    finally:
        runtime.close()

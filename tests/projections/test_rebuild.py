"""`docket rebuild`: read models rebuilt from zero beside the live ones and swapped in at once.

Each test runs on the embedded SQLite default and on PostgreSQL. The oracle is the projector
itself: a read model emptied and projected again from position zero, one event at a time.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

import psycopg
import pytest

import app.read.rebuild.postgres as publish_on_postgres
import app.read.rebuild.sqlite as publish_on_sqlite
from app.cli.main import main
from app.config.settings import Settings
from app.read.progress import Silent
from app.read.projector import split_by_weight
from app.read.rebuild.build import Part, Told
from app.read.rebuild.plan import RebuildError, UnknownProjection, choose, rebuildable
from app.read.rebuild.run import rebuild
from app.read.rebuild.shadow import side_schemas
from app.read.store import read
from app.runtime.recovery import skip
from app.runtime.wiring import Runtime, open_runtime
from domain.values import Subject
from projections.case_status.queries import find_case
from tests.corrupt import plant_second_filing, tolerate_second_filing
from tests.history import write_history


def tables(runtime: Runtime, names: list[str] | None = None) -> list[str]:
    return [t for p in rebuildable(runtime.projector.projections) if names is None or p.name in names for t in p.tables]


def snapshot(runtime: Runtime, names: list[str] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the read models' tables, in a stable order."""
    found = {}
    with runtime.store.transaction(write=False) as sql:
        for table in tables(runtime, names):
            sql.execute(f"SELECT * FROM {table}")
            found[table] = sorted(sql.fetchall(), key=repr)
    return found


def projected_from_zero(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """The oracle: every read model emptied and projected again by the projector, from position zero."""
    with runtime.store.transaction() as sql:
        for projection in rebuildable(runtime.projector.projections):
            for table in projection.tables:
                sql.execute(f"DELETE FROM {table}")
            sql.execute("DELETE FROM projection_positions WHERE name = ?", (projection.name,))
    runtime.projector.catch_up()
    return snapshot(runtime)


def positions(runtime: Runtime) -> dict[str, int]:
    return runtime.projector.positions()


def vandalise(runtime: Runtime) -> None:
    """Wrong rows a rebuild from zero must not keep."""
    with runtime.store.transaction() as sql:
        sql.execute("UPDATE cases SET status = 'BOGUS'")
        sql.execute("DELETE FROM detections")
        sql.execute("UPDATE appeals SET statement = 'tampered'")


class Crash(Silent):
    """Fails the rebuild when a phase reports progress: a kill, as far as the database can tell."""

    def __init__(self, phase: str) -> None:
        super().__init__()
        self.at = phase

    def update(self, done: int, total: int | None = None) -> None:
        if self.phase == self.at:
            raise RuntimeError(f"killed while {self.phase}")
        super().update(done, total)


def test_a_rebuild_from_zero_reproduces_every_read_model_and_the_projector_carries_on(runtime: Runtime) -> None:
    head = write_history(runtime.ledger, 120)
    runtime.projector.catch_up()
    before = snapshot(runtime)
    vandalise(runtime)

    report = rebuild(runtime, batch=100)

    assert snapshot(runtime) == before
    assert report.position == head == runtime.ledger.head()
    assert set(report.names) == {p.name for p in rebuildable(runtime.projector.projections)}
    assert all(positions(runtime)[name] == head for name in report.names)
    assert report.rows == sum(len(rows) for rows in before.values())

    write_history(runtime.ledger, 40, seed=9, run="later")
    runtime.projector.catch_up()
    assert snapshot(runtime) == projected_from_zero(runtime)


def test_a_rebuild_split_between_two_processes_reproduces_every_read_model(runtime: Runtime) -> None:
    write_history(runtime.ledger, 120)
    runtime.projector.catch_up()
    expected = snapshot(runtime)
    vandalise(runtime)

    report = rebuild(runtime, batch=40, processes=2)

    assert report.position == runtime.ledger.head()
    assert snapshot(runtime) == expected
    assert set(report.apply_seconds) == {p.name for p in rebuildable(runtime.projector.projections)}
    assert all(seconds > 0 for name, seconds in report.apply_seconds.items() if name != "batch_progress")
    _assert_nothing_left_behind(runtime)


def test_read_models_are_split_into_groups_of_about_equal_weight(runtime: Runtime) -> None:
    chosen = rebuildable(runtime.projector.projections)

    for processes in (1, 2, 3, len(chosen) + 5):
        groups = split_by_weight(chosen, processes)
        assert len(groups) == min(processes, len(chosen))
        assert sorted(p.name for group in groups for p in group) == sorted(p.name for p in chosen)
        for group in groups:  # each group keeps the usual order
            assert group == [p for p in chosen if p in group]
    heavy, light = sorted((sum(p.weight for p in g) for g in split_by_weight(chosen, 2)), reverse=True)
    assert heavy - light <= max(p.weight for p in chosen)


def test_a_build_process_that_fails_fails_the_rebuild_with_its_reason(runtime: Runtime, tmp_path: Path) -> None:
    unreachable = Settings(database_url="postgresql://nobody@127.0.0.1:9/none")
    part = Part(unreachable, rebuildable(runtime.projector.projections)[:1], tmp_path / "part", 100, 10, None)
    try:
        with pytest.raises(RebuildError, match=r"a build process failed: .*(connect|Connection)"):
            part.built(Silent())
    finally:
        part.stop()


def test_a_build_process_tells_how_far_it_is_and_stops_once_its_rebuild_has_gone() -> None:
    heard, answer = multiprocessing.Pipe(duplex=False)
    told = Told(os.getppid(), answer)  # its parent is alive: it carries on
    told.update(10)
    told.update(20)  # within half a second of the last: not told again
    assert heard.recv() == ("progress", 10)
    assert not heard.poll()

    with pytest.raises(RebuildError, match="has ended"):
        Told(os.getppid() + 1).update(30)  # adopted by another process: its parent was killed


def test_a_rebuild_of_one_read_model_leaves_the_others_as_they_are(runtime: Runtime) -> None:
    write_history(runtime.ledger, 60)
    runtime.projector.catch_up()
    expected = snapshot(runtime)
    vandalise(runtime)
    vandalised = snapshot(runtime)
    before = positions(runtime)

    report = rebuild(runtime, ["case_status"], batch=100)

    after = snapshot(runtime)
    assert report.names == ["case_status"]
    for table in tables(runtime, ["case_status"]):
        assert after[table] == expected[table]
    assert after["appeals"] == vandalised["appeals"]  # not rebuilt, so still wrong
    assert positions(runtime) == before


def test_a_rebuild_catches_up_with_events_written_while_it_runs(runtime: Runtime) -> None:
    write_history(runtime.ledger, 80)
    runtime.projector.catch_up()

    class WritesMeanwhile(Silent):
        written = False

        def update(self, done: int, total: int | None = None) -> None:
            if self.phase == "rebuild" and not self.written:
                self.written = True
                write_history(runtime.ledger, 60, seed=5, run="meanwhile")
                runtime.projector.catch_up()  # the live read models get ahead of what the rebuild read
            super().update(done, total)

    report = rebuild(runtime, batch=50, progress=WritesMeanwhile())

    head = runtime.ledger.head()
    assert report.built_to < report.position == head
    assert all(position == head for position in positions(runtime).values())
    rebuilt = snapshot(runtime)
    assert rebuilt == projected_from_zero(runtime)


@pytest.mark.parametrize("processes", [1, 2])
@pytest.mark.parametrize("phase", ["rebuild", "copying to PostgreSQL"])
def test_a_rebuild_killed_half_way_leaves_the_old_read_models_serving(
    runtime: Runtime, phase: str, processes: int
) -> None:
    if phase.endswith("PostgreSQL") and not runtime.settings.database.is_postgres:
        pytest.skip("SQLite copies nothing to PostgreSQL")
    write_history(runtime.ledger, 80)
    runtime.projector.catch_up()
    before, at = snapshot(runtime), positions(runtime)
    some_case = before["cases"][0]

    with pytest.raises(RuntimeError, match="killed"):
        rebuild(runtime, batch=20, progress=Crash(phase), processes=processes)

    assert snapshot(runtime) == before
    assert positions(runtime) == at
    assert read(runtime.store, find_case, _subject(some_case)) is not None  # the old read model still answers
    write_history(runtime.ledger, 20, seed=4, run="after")
    runtime.projector.catch_up()  # and is still kept up to date
    expected = snapshot(runtime)

    rebuild(runtime, batch=100)  # the next rebuild clears what the killed one left
    assert snapshot(runtime) == expected
    _assert_nothing_left_behind(runtime)


def test_a_failure_inside_the_swap_changes_nothing(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    write_history(runtime.ledger, 60)
    runtime.projector.catch_up()
    vandalise(runtime)  # so that a swap that went half-way would show
    before, at = snapshot(runtime), positions(runtime)

    def fail(*args: Any) -> None:
        raise RuntimeError("killed after every table was swapped, before the commit")

    for publishing in (publish_on_postgres, publish_on_sqlite):
        monkeypatch.setattr(publishing, "record_positions", fail)
    with pytest.raises(RuntimeError, match="before the commit"):
        rebuild(runtime, batch=100)

    assert snapshot(runtime) == before
    assert positions(runtime) == at


def test_unknown_projection_names_are_refused_with_the_read_models_named(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(UnknownProjection) as raised:
        choose(runtime.projector.projections, ["case_status", "cases"])
    assert raised.value.unknown == ["cases"]
    assert "case_status" in raised.value.known and "account_standing" in raised.value.known
    assert "ledger_chain" not in raised.value.known  # it owns no tables: nothing to rebuild

    monkeypatch.setenv("DOCKET_DATABASE_URL", runtime.settings.database_url)
    assert main(["rebuild", "--projection", "nonsense"]) == 2
    error = capsys.readouterr().err
    assert "nonsense" in error
    for projection in rebuildable(runtime.projector.projections):
        assert projection.name in error


@pytest.mark.parametrize("flag", ["--processes", "--batch"])
def test_a_count_below_one_is_refused_before_anything_is_built(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    monkeypatch.setenv("DOCKET_DATABASE_URL", runtime.settings.database_url)
    with pytest.raises(SystemExit) as exited:
        main(["rebuild", flag, "0"])
    assert exited.value.code == 2
    assert f"{flag}: must be 1 or more, not 0" in capsys.readouterr().err


def test_the_command_rebuilds_in_as_many_processes_as_asked(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_history(runtime.ledger, 40)
    runtime.projector.catch_up()
    expected = snapshot(runtime)
    vandalise(runtime)
    monkeypatch.setenv("DOCKET_DATABASE_URL", runtime.settings.database_url)

    assert main(["rebuild", "--processes", "2", "--batch", "30"]) == 0

    bar = [line for line in capsys.readouterr().err.splitlines() if line.startswith("rebuild:")]
    assert bar and "(100%)" in bar[-1]  # the bar shows the slower process, and ends when both have built
    assert snapshot(runtime) == expected


@pytest.mark.postgres
def test_on_postgres_the_swapped_in_tables_keep_their_grants_and_views_are_refused(postgres_url: str) -> None:
    runtime = open_runtime(Settings(database_url=postgres_url))
    try:
        write_history(runtime.ledger, 20)
        runtime.projector.catch_up()
        rebuild(runtime)
        with psycopg.connect(runtime.settings.database.conninfo(), autocommit=True) as connection:
            granted = connection.execute("SELECT has_table_privilege('docket_analyst', 'cases', 'SELECT')").fetchone()
            assert granted == (True,)  # migration 0005's grant, replicated onto the new table
            connection.execute("CREATE VIEW open_cases AS SELECT case_id FROM cases WHERE status = 'OPEN'")
        with pytest.raises(RebuildError, match="open_cases on cases"):
            rebuild(runtime, ["case_status"])
        with psycopg.connect(runtime.settings.database.conninfo(), autocommit=True) as connection:
            assert connection.execute("SELECT count(*) FROM open_cases").fetchone() is not None
    finally:
        runtime.close()


def test_one_rebuild_at_a_time(runtime: Runtime) -> None:
    write_history(runtime.ledger, 20)

    class RebuildsAgain(Silent):
        def update(self, done: int, total: int | None = None) -> None:
            with pytest.raises(RebuildError, match="another rebuild"):
                rebuild(runtime)
            super().update(done, total)

    rebuild(runtime, batch=1000, progress=RebuildsAgain())


def _subject(case_row: tuple[Any, ...]) -> Subject:
    return Subject(case_row[1], case_row[2], case_row[3])


def _assert_nothing_left_behind(runtime: Runtime) -> None:
    database = runtime.settings.database
    if database.is_postgres:
        shadow, side = side_schemas(database.schema)
        with psycopg.connect(database.conninfo()) as connection:
            left = connection.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname IN (%s, %s)", (shadow, side)
            ).fetchall()
        assert left == []
    else:
        assert database.sqlite_path is not None
        assert not Path(f"{database.sqlite_path}.rebuild").exists()
        assert not list(database.sqlite_path.parent.glob(f"{database.sqlite_path.name}.rebuild.part*"))


@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_rebuild_that_meets_an_event_it_cannot_apply_names_it_and_changes_nothing(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], processes: str
) -> None:
    write_history(runtime.ledger, 60)
    bad = plant_second_filing(runtime.ledger)
    write_history(runtime.ledger, 20, run="after")
    runtime.projector.catch_up()
    before, at = snapshot(runtime), positions(runtime)
    monkeypatch.setenv("DOCKET_DATABASE_URL", runtime.settings.database_url)

    assert main(["rebuild", "--processes", processes, "--batch", "50"]) == 1

    error = capsys.readouterr().err
    assert f"read model appeals cannot apply the event at position {bad} (Appeal.Filed): " in error
    assert "IntegrityError" in error or "UniqueViolation" in error
    assert "Traceback" not in error and "the live read models are unchanged" in error
    assert snapshot(runtime) == before
    assert positions(runtime) == at


def test_a_rebuild_of_a_stopped_read_model_that_applies_every_event_forgets_its_failure(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_history(runtime.ledger, 60)
    plant_second_filing(runtime.ledger)
    head = write_history(runtime.ledger, 20, run="after")
    runtime.projector.catch_up()
    assert list(runtime.projector.progress()[1]) == ["appeals"]
    tolerate_second_filing(monkeypatch)

    rebuild(runtime, ["appeals"], batch=50)

    assert runtime.projector.progress()[1] == {}
    assert positions(runtime)["appeals"] == head


def test_a_rebuild_skips_again_the_events_operators_had_a_read_model_skip(runtime: Runtime) -> None:
    write_history(runtime.ledger, 60)
    bad = plant_second_filing(runtime.ledger)
    write_history(runtime.ledger, 20, run="after")
    runtime.projector.catch_up()
    skip(runtime, "appeals", bad, "filed twice by a bad import", "ops:ana")
    runtime.projector.catch_up()
    skipped = snapshot(runtime, ["appeals"])

    rebuild(runtime, ["appeals"], batch=50)

    assert snapshot(runtime, ["appeals"]) == skipped
    assert runtime.projector.progress()[1] == {}

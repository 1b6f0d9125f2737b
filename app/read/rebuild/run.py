"""`docket rebuild`'s course: choose the read models, build them beside the live ones, publish, report."""

from __future__ import annotations

import fcntl
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from app.config.database import Database
from app.read.migrations import pending
from app.read.progress import Progress, Silent
from app.read.projector import split_by_weight
from app.read.rebuild.build import Build, build_processes
from app.read.rebuild.plan import (
    DEFAULT_BATCH,
    RebuildError,
    Sides,
    choose,
)
from app.read.rebuild.postgres import publish_postgres
from app.read.rebuild.shadow import Shadow
from app.read.rebuild.sqlite import publish_sqlite


@dataclass
class RebuildReport:
    names: list[str]
    position: int
    """The ledger position at which the rebuilt read models were swapped in."""
    built_to: int
    """The position the build phase read up to (the head when the rebuild started)."""
    build_seconds: float = 0.0
    publish_seconds: float = 0.0
    apply_seconds: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each projection's code during the build."""
    rows: int = 0
    """Rows the rebuilt tables hold."""

    @property
    def seconds(self) -> float:
        return self.build_seconds + self.publish_seconds


def rebuild(
    runtime: Sides,
    names: Sequence[str] | None = None,
    batch: int = DEFAULT_BATCH,
    workdir: Path | None = None,
    progress: Progress | None = None,
    processes: int | None = None,
) -> RebuildReport:
    """Rebuilds the named read models (all for None) from zero and swaps them in; see the module docstring.

    `processes` builds that many groups of read models at once, each in a process of its own (None: two on a
    machine with two CPUs or more, once the ledger holds `PARALLEL_FROM` events).
    """
    chosen = choose(runtime.projector.projections, names)
    progress = progress if progress is not None else Silent()
    database = runtime.settings.database
    if not database.is_postgres and (database.sqlite_path is None or str(database.sqlite_path) == ":memory:"):
        raise RebuildError("an in-memory SQLite database cannot be rebuilt beside itself")
    waiting = pending(runtime.store)
    if waiting:
        raise RebuildError(f"{len(waiting)} migrations are not applied yet; run `docket migrate` first")
    with _exclusive(database, workdir) as build_path:
        build = Build(runtime.ledger, build_path, chosen, batch)
        try:
            report = RebuildReport(names=[p.name for p in chosen], position=0, built_to=runtime.ledger.head())
            started = time.perf_counter()
            shadow = Shadow.prepare(database, build.tables()) if database.is_postgres else None
            groups = split_by_weight(chosen, processes if processes is not None else build_processes(report.built_to))
            progress.start("rebuild", 0, report.built_to, unit="events")
            build.build(runtime.settings, groups, report.built_to, progress, shadow)
            progress.finish()
            report.build_seconds = time.perf_counter() - started
            if shadow is not None:
                report.position, report.rows = publish_postgres(runtime, build, shadow, report.built_to, progress)
            else:
                report.position, report.rows = publish_sqlite(runtime, build, report.built_to, progress)
            report.publish_seconds = time.perf_counter() - started - report.build_seconds
            report.apply_seconds = dict(build.apply_seconds)
            return report
        finally:
            progress.finish()
            build.close()


@contextmanager
def _exclusive(database: Database, workdir: Path | None) -> Iterator[Path]:
    """Holds the one-rebuild-per-database lock; yields the build file's path."""
    if database.is_postgres:
        directory = workdir or Path(tempfile.gettempdir())
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"docket-rebuild-{database.host}-{database.port}-{database.dbname}"
                                              f"-{database.schema}.sqlite")
        with psycopg.connect(database.conninfo(), autocommit=True) as connection:
            row = connection.execute("SELECT pg_try_advisory_lock(hashtext(%s))",
                                     (f"docket-rebuild:{database.schema}",)).fetchone()
            if not row or not row[0]:
                raise RebuildError("another rebuild of this database is running")
            yield directory / name  # the session lock ends with the connection
        return
    assert database.sqlite_path is not None
    live = database.sqlite_path
    with open(f"{live}.rebuild.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RebuildError("another rebuild of this database is running") from None
        yield (workdir / f"{live.name}.rebuild") if workdir is not None else Path(f"{live}.rebuild")

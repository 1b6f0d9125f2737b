"""`docket rebuild`: read models rebuilt from zero beside the live ones, then swapped in at once.

1. Build. Every event of the ledger, in order, goes through the chosen projections' own code
   (`app.read.projector.feed`, the function the projector runs: there is one code path per read
   model) into a private SQLite file that has every migration applied, in batched transactions
   (`batch` events each, written with their position). SQLite runs in this process, so the
   projections' statements cost no round trip to a server: that is what makes a rebuild fast,
   on PostgreSQL too. Memory stays bounded: one batch of events and SQLite's page cache.
   On a long ledger with two CPUs the read models are split in two groups of about equal work
   (`Projection.weight`): one is built here, the other at the same time in a spawned process
   into a file of its own, which tells this one how far it is (the bar shows the slower).
2. Publish, on PostgreSQL. A fresh shadow schema (made before the build, so that a view that
   would block the swap is found at once) gets tables that replicate the live ones (columns,
   defaults, constraints, indexes and grants, read from the catalog). Each build process fills
   its own tables of it with COPY from its file, and indexes them after the copy; the shadow then
   catches up with what the ledger recorded meanwhile. Then, in one transaction holding the read
   models' projection locks, the last events are applied to the shadow, the live tables move to
   a side schema and the shadow's move in (`ALTER TABLE ... SET SCHEMA`), and the positions are set.
   Publish, on SQLite. The other process's rows join the build file, which catches up; then in
   one transaction holding SQLite's write lock, the last events go into the build file, and each
   live table is dropped, recreated from its own DDL, filled from the build file, and its indexes
   recreated.

Until that one transaction commits, the old read model is untouched and keeps serving. A
rebuild killed at any point leaves it so; what a killed rebuild leaves behind (the build file,
the shadow and side schemas) the next rebuild removes. One rebuild runs at a time per database.

A projection reads and writes only its own `tables` while it is rebuilt; anything else it writes
(e.g. signed checkpoints) lands in the build file and is dropped. A projection that owns no
tables (the ledger chain) has nothing to rebuild.
"""

from __future__ import annotations

import fcntl
import glob
import multiprocessing
import os
import re
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

import psycopg
from eventsourcing.persistence import Notification

from app.config.clock import system_clock
from app.config.database import Database
from app.config.settings import Settings
from app.read.migrations import migrate, pending
from app.read.progress import Progress, Silent
from app.read.projector import Projector, decoder, feed, topics_of, track
from app.read.read_models import configured_projections
from app.read.store import PostgresReadStore, ReadStore, SqliteReadStore
from app.write.ledger import Ledger, open_ledger
from projections.base import Projection

DEFAULT_BATCH = 5000
SWAP_ATTEMPTS = 5
SWAP_LOCK_TIMEOUT = "10s"
SWAP_TAIL = 500
"""At most about this many events are left to apply inside the swap's transaction, holding the locks."""
_COPY_CHUNK = 10_000
PUBLISH_CONNECTIONS = 2
PARALLEL_FROM = 20_000
"""From this many events on, a rebuild builds in two processes where there are two CPUs: below, starting one
costs more than it saves."""


class Sides(Protocol):
    """What a rebuild works on: one process's ledger, read store and projector (a runtime has them)."""

    settings: Settings
    ledger: Ledger
    store: ReadStore
    projector: Projector


class RebuildError(RuntimeError):
    """Raised when a rebuild cannot start or cannot be swapped in; the live read models are untouched."""


class UnknownProjection(RebuildError):
    """Raised for a projection name that names no rebuildable read model."""

    def __init__(self, unknown: Sequence[str], known: Sequence[str]) -> None:
        self.unknown = list(unknown)
        self.known = list(known)
        super().__init__(
            f"no read model named {', '.join(self.unknown)}; the read models are: {', '.join(self.known)}"
        )


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


def rebuildable(projections: Sequence[Projection]) -> list[Projection]:
    """The projections that own tables, which a rebuild can make anew."""
    return [p for p in projections if p.tables]


def choose(projections: Sequence[Projection], names: Sequence[str] | None) -> list[Projection]:
    """The rebuildable projections named (all of them for None), in their usual order."""
    candidates = rebuildable(projections)
    if not names:
        return candidates
    known = [p.name for p in candidates]
    unknown = [n for n in dict.fromkeys(names) if n not in known]
    if unknown:
        raise UnknownProjection(unknown, known)
    return [p for p in candidates if p.name in names]


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
        build = _Build(runtime.ledger, build_path, chosen, batch)
        try:
            report = RebuildReport(names=[p.name for p in chosen], position=0, built_to=runtime.ledger.head())
            started = time.perf_counter()
            shadow = _Shadow.prepare(database, build.tables()) if database.is_postgres else None
            groups = _split(chosen, processes if processes is not None else _processes(report.built_to))
            progress.start("rebuild", 0, report.built_to, unit="events")
            build.build(runtime.settings, groups, report.built_to, progress, shadow)
            progress.finish()
            report.build_seconds = time.perf_counter() - started
            if shadow is not None:
                report.position, report.rows = _publish_postgres(runtime, build, shadow, report.built_to, progress)
            else:
                report.position, report.rows = _publish_sqlite(runtime, build, report.built_to, progress)
            report.publish_seconds = time.perf_counter() - started - report.build_seconds
            report.apply_seconds = dict(build.apply_seconds)
            return report
        finally:
            progress.finish()
            build.close()


class _BuildStore(SqliteReadStore):
    """The build file: private and disposable, so no journal and no fsync (a failed rebuild starts over)."""

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=OFF")
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute("PRAGMA cache_size=-65536")  # 64 MiB
            connection.execute("PRAGMA temp_store=MEMORY")
            self._local.connection = connection
        return connection


class _Build:
    """The build file, and the loop that applies the ledger to the chosen projections in batches."""

    def __init__(
        self, ledger: Ledger, path: Path, chosen: list[Projection], batch: int, store: _BuildStore | None = None
    ) -> None:
        self.ledger = ledger
        self.path = path
        self.chosen = chosen
        self.batch = batch
        self.topics = {p.name: topics_of(p) for p in chosen}
        # Read only what the chosen projections read, unless one of them reads every event.
        self.read_topics: list[str] = (
            [] if any(p.raw for p in chosen) else sorted(set().union(*self.topics.values()))
        )
        self.apply_seconds = {p.name: 0.0 for p in chosen}
        self.built_here = chosen
        """The read models built in this process; on PostgreSQL, the ones whose tables it copies to the shadow."""
        self.parts: list[_Part] = []
        if store is not None:
            self.store = store
            return
        _remove_sqlite_files(path)
        self.store = _BuildStore(Database.parse(f"sqlite:///{path}"))
        migrate(self.store)
        connection = self.store._connection()
        # Keyed lookups and ON CONFLICT need the primary keys and unique indexes; the other indexes
        # only serve the read models' queries, and cost a B-tree write per row here: the swap
        # (SQLite) or the shadow schema (PostgreSQL) builds them once, after the rows are in.
        for (index,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"
        ).fetchall():
            connection.execute(f"DROP INDEX {_quote(index)}")

    def tables(self) -> list[str]:
        return [t for p in self.chosen for t in p.tables]

    def build(
        self, settings: Settings, groups: list[list[Projection]], target: int, progress: Progress,
        shadow: _Shadow | None,
    ) -> None:
        """Applies the ledger up to `target`: the first group here, each other group in a process of its own
        into a file of its own; the progress shown is the slowest process's. Once every group is built, the
        other processes' rows join this build file, or with a `shadow` schema (PostgreSQL) each of those
        processes goes on to fill its tables of it, and `finish` waits for that."""
        self.parts = [
            _Part(settings, group, self._part_path(number), self.batch, target, shadow)
            for number, group in enumerate(groups[1:], start=1)
        ]
        self.built_here = groups[0]
        slowest = _Slowest(progress, self.parts)
        here = _Build(self.ledger, self.path, groups[0], self.batch, self.store)
        here.advance(self.store, 0, target, slowest)
        for part in self.parts:
            self.apply_seconds.update(part.built(slowest))
        progress.update(target)
        self.apply_seconds.update(here.apply_seconds)
        if shadow is None:
            for part in self.parts:
                self._join(part.path, part.group, target)
            self.stop_parts()

    def finish(self) -> int:
        """Waits for the other build processes to fill their tables of the shadow schema; returns the rows they
        copied."""
        rows = sum(part.copied() for part in self.parts)
        self.stop_parts()
        return rows

    def stop_parts(self) -> None:
        for part in self.parts:
            part.stop()
        self.parts = []

    def _part_path(self, number: int) -> Path:
        return self.path.with_name(f"{self.path.name}.part{number}")

    def _join(self, path: Path, group: list[Projection], position: int) -> None:
        """Moves a part's rows into this build file and removes the part."""
        connection = self.store._connection()
        connection.execute("ATTACH DATABASE ? AS part", (str(path),))
        try:
            with self.store.transaction() as sql:
                for projection in group:
                    for table in projection.tables:
                        sql.execute(f"INSERT INTO main.{_quote(table)} SELECT * FROM part.{_quote(table)}")
                    track(sql, projection.name, position)
        finally:
            connection.execute("DETACH DATABASE part")
        _remove_sqlite_files(path)

    def read(self, after: int, target: int) -> list[Notification]:
        """The next batch after `after`, up to `target`: no more than `batch`, only the topics read.

        It asks for no `stop`: with one, PostgreSQL may plan a sort of everything up to it, for each batch.
        """
        page = self.ledger.recorder.select_notifications(start=after + 1, limit=self.batch, topics=self.read_topics)
        return [n for n in page if n.id <= target]

    def apply(self, notifications: Sequence[Notification], sql: Any) -> None:
        """Applies a batch to every chosen projection, decoding each event once."""
        decode = decoder(self.ledger)
        for projection in self.chosen:
            started = time.perf_counter()
            feed(projection, self.topics[projection.name], notifications, decode, sql)
            self.apply_seconds[projection.name] += time.perf_counter() - started

    def advance(self, store: ReadStore, position: int, target: int, progress: Progress) -> int:
        """Applies the ledger after `position` up to `target`, one transaction per batch; returns `target`."""
        while position < target:
            notifications = self.read(position, target)
            with store.transaction() as sql:
                self.apply(notifications, sql)
                position = self.reached(notifications, target)
                for projection in self.chosen:
                    track(sql, projection.name, position)
            progress.update(position)
        return position

    def reached(self, notifications: Sequence[Notification], target: int) -> int:
        """The position a batch read by `read` brings the build to: a short batch means nothing is left."""
        return notifications[-1].id if len(notifications) == self.batch else target

    def close(self) -> None:
        self.stop_parts()
        self.store.close()
        _remove_sqlite_files(self.path)
        for part in self.path.parent.glob(f"{glob.escape(self.path.name)}.part*"):
            _remove_sqlite_files(part)


def _processes(events: int) -> int:
    return 2 if events >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2 else 1


def _split(chosen: list[Projection], processes: int) -> list[list[Projection]]:
    """At most `processes` groups of about equal `weight` (heaviest first into the lightest group), each in the
    usual order."""
    groups: list[list[Projection]] = [[] for _ in range(max(1, processes))]
    loads = [0] * len(groups)
    for projection in sorted(chosen, key=lambda p: -p.weight):
        lightest = loads.index(min(loads))
        groups[lightest].append(projection)
        loads[lightest] += projection.weight
    order = {p.name: i for i, p in enumerate(chosen)}
    return [sorted(g, key=lambda p: order[p.name]) for g in groups if g]


class _Part:
    """A group of read models built in a process of its own, into a file of its own (and from there into
    the shadow schema, if given). The process tells how far it is, then that it has built, then (with a
    shadow) how many rows it copied, or at any point why it failed."""

    def __init__(
        self, settings: Settings, group: list[Projection], path: Path, batch: int, target: int,
        shadow: _Shadow | None,
    ) -> None:
        self.group = group
        self.path = path
        self.done = 0
        """How far it has built, as far as this process has heard."""
        self._last = "built" if shadow is None else "copied"
        self._pending: tuple[str, Any] | None = None
        self._over = False
        context = multiprocessing.get_context("spawn")  # not fork: this process holds threads and connections
        self._answer, answer = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_build_part, name="docket-rebuild-part", daemon=True,
            args=(settings, [p.name for p in group], str(path), batch, target, shadow, os.getpid(), answer),
        )
        self._process.start()
        answer.close()

    def heard(self) -> None:
        """Takes in the progress it has told so far, without waiting."""
        while not self._over and self._pending is None and self._answer.poll():
            kind, value = self._receive()
            if kind != "progress":
                self._pending = (kind, value)

    def built(self, progress: Progress) -> dict[str, float]:
        """Waits until it has built, showing its progress; returns the seconds each read model took."""
        return dict(self._expect("built", progress))

    def copied(self) -> int:
        """Waits until it has filled its tables of the shadow schema; returns the rows copied."""
        return int(self._expect("copied", Silent()))

    def _expect(self, expected: str, progress: Progress) -> Any:
        while True:
            kind, value = self._pending or self._receive()
            self._pending = None
            if kind == expected:
                return value
            if kind != "progress":
                raise RebuildError(f"a build process said {kind!r} where {expected!r} was due")
            progress.update(self.done)

    def _receive(self) -> tuple[str, Any]:
        try:
            kind, value = self._answer.recv()
        except EOFError:
            self._process.join(timeout=10)
            code = self._process.exitcode
            raise RebuildError(f"a build process ended without finishing (exit code {code})") from None
        if kind == "failed":
            raise RebuildError(f"a build process failed: {value}")
        if kind == "progress":
            self.done = int(value)
        self._over = kind == self._last
        return kind, value

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._answer.close()


class _Slowest(Silent):
    """Shows on the rebuild's bar how far the slowest build process is."""

    def __init__(self, shown: Progress, parts: list[_Part]) -> None:
        super().__init__()
        self.shown = shown
        self.parts = parts

    def update(self, done: int, total: int | None = None) -> None:
        for part in self.parts:
            part.heard()
        self.shown.update(min([done, *(part.done for part in self.parts)]))


class _Told(Silent):
    """In a build process: tells the rebuild how far it is (at most every half second, if `answer` is given),
    and ends the work if that rebuild has gone (killed), as it would be for nothing."""

    def __init__(self, parent: int, answer: Connection | None = None) -> None:
        super().__init__()
        self.parent = parent
        self.answer = answer
        self._told = 0.0

    def update(self, done: int, total: int | None = None) -> None:
        if os.getppid() != self.parent:
            raise RebuildError("the rebuild this build process worked for has ended")
        now = time.monotonic()
        if self.answer is not None and now - self._told >= 0.5:
            self.answer.send(("progress", done))
            self._told = now


def _build_part(
    settings: Settings, names: list[str], path: str, batch: int, target: int, shadow: _Shadow | None, parent: int,
    answer: Connection,
) -> None:
    """In a build process: applies the ledger up to `target` to the named read models in the file at `path`,
    then copies their tables into `shadow`, if given; tells the rebuild through `answer` as it goes."""
    try:
        ledger = open_ledger(settings, system_clock)
        try:
            build = _Build(ledger, Path(path), choose(configured_projections(settings), names), batch)
            try:
                build.advance(build.store, 0, target, _Told(parent, answer))
            finally:
                build.store.close()
            answer.send(("progress", target))
            answer.send(("built", build.apply_seconds))
            if shadow is not None:
                answer.send(("copied", shadow.fill(Path(path), build.tables(), _Told(parent))))
        finally:
            ledger.close()
    except Exception as error:  # told to the rebuild, which fails with it
        answer.send(("failed", f"{type(error).__name__}: {error}"))
    finally:
        answer.close()


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


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")


# PostgreSQL.


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _side_schemas(live: str) -> tuple[str, str]:
    """The shadow schema a rebuild fills, and the side schema the replaced tables move to."""
    base = live[:40]
    return f"{base}__rebuild", f"{base}__replaced"


@dataclass(frozen=True)
class _Shadow:
    """The schema a rebuild on PostgreSQL fills beside the live one, and the side schema the replaced tables
    move to."""

    database: Database
    name: str
    side: str

    @classmethod
    def prepare(cls, database: Database, tables: list[str]) -> _Shadow:
        """Clears what a killed rebuild left behind and makes empty copies of the live `tables` (and of
        projection_positions, which the catch-up uses), without their indexes."""
        live = database.schema
        shadow = cls(database, *_side_schemas(live))
        with psycopg.connect(database.conninfo(), autocommit=True) as admin:
            for schema in (shadow.name, shadow.side):
                admin.execute(f"DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE")
            _check_no_dependents(admin, live, tables)
            admin.execute(f"CREATE SCHEMA {_quote(shadow.name)}")
            for table in [*tables, "projection_positions"]:
                admin.execute(
                    f"CREATE TABLE {_quote(shadow.name)}.{_quote(table)} (LIKE {_quote(live)}.{_quote(table)} "
                    "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY "
                    "INCLUDING STORAGE INCLUDING COMMENTS)"
                )
        return shadow

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """An autocommit connection for filling tables, whose index builds sort in memory."""
        with psycopg.connect(self.database.conninfo(), autocommit=True) as admin:
            admin.execute("SET maintenance_work_mem = '256MB'")
            yield admin

    def finish_table(self, admin: psycopg.Connection[Any], table: str) -> None:
        """Gives a filled shadow table the live one's indexes and grants, then its statistics."""
        live = self.database.schema
        _replicate_indexes(admin, live, self.name, table)
        _replicate_grants(admin, live, self.name, table)
        admin.execute(f"ANALYZE {_quote(self.name)}.{_quote(table)}")

    def fill(self, path: Path, tables: list[str], progress: Progress, empty: Sequence[str] = ()) -> int:
        """Fills `tables` from the build file at `path`, then indexes, grants and analyzes them (and the `empty`
        ones); returns the rows copied.

        `PUBLISH_CONNECTIONS` tables at a time, the largest first: while this process sends one table's
        rows, the server builds another's indexes.
        """
        with closing(sqlite3.connect(str(path))) as source:
            counts = {t: source.execute(f"SELECT count(*) FROM {_quote(t)}").fetchone()[0] for t in tables}
        progress.start("copying to PostgreSQL", 0, sum(counts.values()), unit="rows")
        copied = _Tally(progress)
        live, shadow = self.database.schema, self.name

        def fill(table: str) -> None:
            with self.connection() as admin, closing(sqlite3.connect(str(path))) as source:
                if table in counts:
                    _copy_table(admin, source, live, shadow, table, copied)
                self.finish_table(admin, table)

        with ThreadPoolExecutor(PUBLISH_CONNECTIONS, thread_name_prefix="docket-publish") as pool:
            for _ in pool.map(fill, [*sorted(tables, key=lambda t: -counts[t]), *empty]):
                pass  # re-raises the first failure
        progress.finish()
        return sum(counts.values())


def _publish_postgres(
    runtime: Sides, build: _Build, shadow: _Shadow, position: int, progress: Progress
) -> tuple[int, int]:
    live = shadow.database.schema
    database = shadow.database
    here = [t for p in build.built_here for t in p.tables]
    rows = shadow.fill(build.path, here, progress, empty=["projection_positions"])
    rows += build.finish()
    shadow_store = PostgresReadStore(replace(database, schema=f"{shadow.name},{live}"), max_size=2)
    try:
        with shadow_store.transaction() as sql:
            for projection in build.chosen:
                track(sql, projection.name, position)
        # Catch up outside any lock while the ledger keeps moving, so the swap has little left to do.
        for _ in range(10):
            head = runtime.ledger.head()
            if head - position <= SWAP_TAIL:
                break
            progress.start("catching up", position, head, unit="events")
            position = build.advance(shadow_store, position, head, progress)
            progress.finish()
        progress.note("swapping the rebuilt tables in")
        for attempt in range(1, SWAP_ATTEMPTS + 1):
            try:
                position = _swap_postgres(runtime, build, shadow_store, live, shadow.name, shadow.side, position)
                break
            except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
                if attempt == SWAP_ATTEMPTS:
                    raise RebuildError("could not lock the live tables to swap them; nothing was changed") from None
                time.sleep(attempt)
    finally:
        shadow_store.close()
    with psycopg.connect(database.conninfo(), autocommit=True) as admin:
        for schema in (shadow.side, shadow.name):
            admin.execute(f"DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE")
    return position, rows


def _swap_postgres(
    runtime: Sides, build: _Build, shadow_store: PostgresReadStore, live: str, shadow: str, side: str, position: int
) -> int:
    """The one transaction: the last events into the shadow, then the tables trade places."""
    with shadow_store.transaction() as sql:
        sql.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
        names = sorted(p.name for p in build.chosen)
        for name in names:  # the projector's own locks: no step of these read models until we commit
            sql.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"projection:{name}",))
        # The new tables must not be behind the old ones (a reader who waited for a position must keep
        # seeing it). Beyond that, the head if it is near; what is left the projector carries on with.
        sql.execute(
            f"SELECT coalesce(max(position), 0) FROM {_quote(live)}.projection_positions WHERE name = ANY(?)",
            (names,),
        )
        row = sql.fetchone()
        live_position = int(row[0]) if row else 0
        target = max(position, live_position, min(runtime.ledger.head(), position + SWAP_TAIL))
        while position < target:
            notifications = build.read(position, target)
            build.apply(notifications, sql)
            position = build.reached(notifications, target)
        sql.execute(f"CREATE SCHEMA {_quote(side)}")
        for table in build.tables():
            sql.execute(f"ALTER TABLE {_quote(live)}.{_quote(table)} SET SCHEMA {_quote(side)}")
            sql.execute(f"ALTER TABLE {_quote(shadow)}.{_quote(table)} SET SCHEMA {_quote(live)}")
        _record_positions(sql, f"{_quote(live)}.projection_positions", build.chosen, position)
    return position


def _record_positions(sql: Any, table: str, projections: Sequence[Projection], position: int) -> None:
    """Sets the live positions of the swapped-in read models, last thing in the swap's transaction."""
    for projection in projections:
        sql.execute(
            f"INSERT INTO {table} (name, position, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
            (projection.name, position, datetime.now(timezone.utc)),
        )


def _columns(admin: psycopg.Connection[Any], schema: str, table: str) -> list[str]:
    rows = admin.execute(
        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
        "ORDER BY a.attnum",
        (schema, table),
    ).fetchall()
    return [r[0] for r in rows]


class _Tally:
    """Rows copied so far by every connection, shown on one progress bar."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.done = 0
        self._lock = threading.Lock()

    def add(self, rows: int) -> None:
        with self._lock:
            self.done += rows
            self.progress.update(self.done)


def _copy_table(
    admin: psycopg.Connection[Any], source: sqlite3.Connection, live: str, shadow: str, table: str, copied: _Tally
) -> None:
    columns = _columns(admin, live, table)
    listed = ", ".join(_quote(c) for c in columns)
    cursor = source.execute(f"SELECT {listed} FROM {_quote(table)}")
    with admin.cursor() as target, target.copy(f"COPY {_quote(shadow)}.{_quote(table)} ({listed}) FROM STDIN") as copy:
        while chunk := cursor.fetchmany(_COPY_CHUNK):
            for row in chunk:
                copy.write_row(row)
            copied.add(len(chunk))


_INDEX_DEF = re.compile(r"^(CREATE (?:UNIQUE )?INDEX) (\S+) ON (?:ONLY )?\S+ (USING .*)$", re.DOTALL)


def _replicate_indexes(admin: psycopg.Connection[Any], live: str, shadow: str, table: str) -> None:
    """Gives the shadow table the live one's constraints and indexes, under the same names."""
    target = f"{_quote(shadow)}.{_quote(table)}"
    constraints = admin.execute(
        "SELECT con.conname, pg_get_constraintdef(con.oid), con.conindid FROM pg_constraint con "
        "JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s AND con.contype IN ('p', 'u', 'x', 'f') ORDER BY con.contype DESC",
        (live, table),
    ).fetchall()
    backing = set()
    for name, definition, index in constraints:
        admin.execute(f"ALTER TABLE {target} ADD CONSTRAINT {_quote(name)} {definition}")
        backing.add(index)
    indexes = admin.execute(
        "SELECT i.indexrelid, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
        (live, table),
    ).fetchall()
    for index, definition in indexes:
        if index in backing:
            continue
        match = _INDEX_DEF.match(definition)
        if match is None:
            raise RebuildError(f"cannot replicate index of {table}: {definition}")
        admin.execute(f"{match[1]} {match[2]} ON {target} {match[3]}")


def _replicate_grants(admin: psycopg.Connection[Any], live: str, shadow: str, table: str) -> None:
    grants = admin.execute(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, "
        "a.privilege_type, a.is_grantable FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, "
        "aclexplode(c.relacl) a WHERE n.nspname = %s AND c.relname = %s AND a.grantee <> c.relowner",
        (live, table),
    ).fetchall()
    for grantee, privilege, grantable in grants:
        admin.execute(f"GRANT {privilege} ON {_quote(shadow)}.{_quote(table)} TO {grantee}"
                      + (" WITH GRANT OPTION" if grantable else ""))


def _check_no_dependents(admin: psycopg.Connection[Any], live: str, tables: list[str]) -> None:
    """Refuses tables that views or other tables' foreign keys depend on: a swap would leave those behind."""
    rows = admin.execute(
        "SELECT t.relname, v.relname FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace "
        "JOIN pg_depend d ON d.refobjid = t.oid JOIN pg_rewrite r ON r.oid = d.objid "
        "JOIN pg_class v ON v.oid = r.ev_class "
        "WHERE n.nspname = %s AND t.relname = ANY(%s) AND v.oid <> t.oid "
        "UNION SELECT t.relname, o.relname FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace "
        "JOIN pg_constraint con ON con.confrelid = t.oid JOIN pg_class o ON o.oid = con.conrelid "
        "WHERE n.nspname = %s AND t.relname = ANY(%s) AND con.contype = 'f' AND NOT o.relname = ANY(%s)",
        (live, tables, live, tables, tables),
    ).fetchall()
    if rows:
        found = ", ".join(f"{other} on {table}" for table, other in rows)
        raise RebuildError(f"cannot swap tables that other objects depend on ({found}); drop those first")


# SQLite.


def _publish_sqlite(runtime: Sides, build: _Build, position: int, progress: Progress) -> tuple[int, int]:
    database = runtime.settings.database
    assert database.sqlite_path is not None
    for _ in range(10):  # catch up first, while the ledger keeps moving
        head = runtime.ledger.head()
        if head - position <= SWAP_TAIL:
            break
        progress.start("catching up", position, head, unit="events")
        position = build.advance(build.store, position, head, progress)
        progress.finish()
    progress.note("swapping the rebuilt tables in")
    connection = build.store._connection()  # the build file's connection, with the live file attached
    connection.execute("ATTACH DATABASE ? AS live", (str(database.sqlite_path),))
    try:
        # BEGIN IMMEDIATE takes SQLite's write lock on both files: from here until COMMIT no ledger
        # write and no projector step can happen, and the live tables change all at once or not at all.
        with build.store.transaction() as sql:
            head = runtime.ledger.head()
            while position < head:
                notifications = build.read(position, head)
                build.apply(notifications, sql)
                position = build.reached(notifications, head)
            rows = sum(_replace_sqlite_table(connection, table) for table in build.tables())
            _record_positions(connection, "live.projection_positions", build.chosen, position)
    finally:
        connection.execute("DETACH DATABASE live")
    return position, rows


_IN_LIVE = re.compile(r"^(CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|TRIGGER|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?)", re.IGNORECASE)


def _replace_sqlite_table(connection: sqlite3.Connection, table: str) -> int:
    """Drops a live table and makes it anew from its own DDL, filled from the build file; returns its rows."""
    ddl = connection.execute(
        "SELECT type, sql FROM live.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
        "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid",
        (table,),
    ).fetchall()
    if not ddl or ddl[0][0] != "table":
        raise RebuildError(f"the live database has no table {table}")
    columns = ", ".join(_quote(r[1]) for r in connection.execute(f"PRAGMA live.table_info({_quote(table)})"))
    connection.execute(f"DROP TABLE live.{_quote(table)}")
    connection.execute(_IN_LIVE.sub(r"\1live.", ddl[0][1], count=1))
    cursor = connection.execute(
        f"INSERT INTO live.{_quote(table)} ({columns}) SELECT {columns} FROM main.{_quote(table)}"
    )
    for _, statement in ddl[1:]:
        connection.execute(_IN_LIVE.sub(r"\1live.", statement, count=1))
    return cursor.rowcount

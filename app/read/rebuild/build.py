"""The build: the ledger applied through the projections' own code to a private SQLite file, in one process or two."""

from __future__ import annotations

import glob
import multiprocessing
import os
import sqlite3
import time
from collections.abc import Sequence
from contextlib import suppress
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Notification

from app.config.clock import system_clock
from app.config.database import Database
from app.config.settings import Settings
from app.read.garbage import rarely_collected
from app.read.migrations import migrate
from app.read.progress import Progress, Silent
from app.read.projector import decoder, feed, isolated_on_failure, topics_of, track
from app.read.read_models import configured_projections
from app.read.rebuild.plan import PARALLEL_FROM, RebuildError, choose
from app.read.rebuild.shadow import Shadow, quote
from app.read.store import ReadStore, SqliteReadStore
from app.write.ledger import Ledger, open_ledger
from projections.base import Projection


class _BuildStore(SqliteReadStore):
    """The build file: private and disposable, so no fsync and a journal in memory (a failed rebuild starts over;
    the journal is kept for the savepoints that undo a read model's failed batch)."""

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=MEMORY")
            connection.execute("PRAGMA synchronous=OFF")
            # 16 MiB: the file's pages are in the OS's cache anyway, and 64 MiB cost as much CPU (100k events,
            # case_status: 7.65 s either way) for 32 MiB more of each build process's peak.
            connection.execute("PRAGMA cache_size=-16384")
            connection.execute("PRAGMA temp_store=MEMORY")
            self._local.connection = connection
        return connection


class Build:
    """The build file, and the loop that applies the ledger to the chosen projections in batches."""

    def __init__(
        self, ledger: Ledger, path: Path, chosen: list[Projection], batch: int, store: _BuildStore | None = None
    ) -> None:
        self.ledger = ledger
        self.path = path
        self.chosen = chosen
        self.batch = batch
        self.topics = {p.name: topics_of(p) for p in chosen}
        self.skipped = {p.name: ledger.skipped_events(p.name) for p in chosen}
        """The events operators had each read model skip (`docket projections skip`): skipped again."""
        # Read only what the chosen projections read, unless one of them reads every event.
        self.read_topics: list[str] = (
            [] if any(p.raw for p in chosen) else sorted(set().union(*self.topics.values()))
        )
        self.apply_seconds = {p.name: 0.0 for p in chosen}
        self.built_here = chosen
        """The read models built in this process; on PostgreSQL, the ones whose tables it copies to the shadow."""
        self.parts: list[Part] = []
        if store is not None:
            self.store = store
            return
        remove_sqlite_files(path)
        self.store = _BuildStore(Database.parse(f"sqlite:///{path}"))
        migrate(self.store)
        connection = self.store._connection()
        # Keyed lookups and ON CONFLICT need the primary keys and unique indexes; the other indexes
        # only serve the read models' queries, and cost a B-tree write per row here: the swap
        # (SQLite) or the shadow schema (PostgreSQL) builds them once, after the rows are in.
        for (index,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"
        ).fetchall():
            connection.execute(f"DROP INDEX {quote(index)}")

    def tables(self) -> list[str]:
        return [t for p in self.chosen for t in p.tables]

    def build(
        self, settings: Settings, groups: list[list[Projection]], target: int, progress: Progress,
        shadow: Shadow | None,
    ) -> None:
        """Applies the ledger up to `target`: the first group here, each other group in a process of its own
        into a file of its own; the progress shown is the slowest process's. Once every group is built, the
        other processes' rows join this build file, or with a `shadow` schema (PostgreSQL) each of those
        processes goes on to fill its tables of it, and `finish` waits for that."""
        self.parts = [
            Part(settings, group, self._part_path(number), self.batch, target, shadow)
            for number, group in enumerate(groups[1:], start=1)
        ]
        self.built_here = groups[0]
        slowest = _Slowest(progress, self.parts)
        here = Build(self.ledger, self.path, groups[0], self.batch, self.store)
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
                        sql.execute(f"INSERT INTO main.{quote(table)} SELECT * FROM part.{quote(table)}")
                track(sql, dict.fromkeys((p.name for p in group), position))
        finally:
            connection.execute("DETACH DATABASE part")
        remove_sqlite_files(path)

    def read(self, after: int, target: int) -> list[Notification]:
        """The next batch after `after`, up to `target`: no more than `batch`, only the topics read.

        It asks for no `stop`: with one, PostgreSQL may plan a sort of everything up to it, for each batch.
        """
        page = self.ledger.select_page(after, self.batch, topics=self.read_topics)
        return [n for n in page if n.id <= target]

    def apply(self, notifications: Sequence[Notification], sql: Any, isolated: bool = True) -> None:
        """Applies a batch to every chosen projection, decoding each event once; `isolated`, each in a savepoint
        (see `feed`)."""
        decode = decoder(self.ledger)
        for projection in self.chosen:
            started = time.perf_counter()
            skipped = self.skipped[projection.name]
            events = [n for n in notifications if n.id not in skipped] if skipped else notifications
            feed(projection, self.topics[projection.name], events, decode, sql, isolated)
            self.apply_seconds[projection.name] += time.perf_counter() - started

    def advance(self, store: ReadStore, position: int, target: int, progress: Progress) -> int:
        """Applies the ledger after `position` up to `target`, one transaction per batch; returns `target`.

        A batch goes first without a savepoint for each read model (in the build file they cost 3-8% of the CPU;
        on PostgreSQL two round trips each), and only should it fail, again with each read model in one, which
        names the event that fails (as the projector's step does).
        """
        with rarely_collected():
            while position < target:
                notifications = self.read(position, target)
                position = isolated_on_failure(partial(self._commit, store, notifications, target))
                progress.update(position)
        return position

    def _commit(self, store: ReadStore, notifications: Sequence[Notification], target: int, isolated: bool) -> int:
        """Applies a batch read by `read` and moves every chosen read model past it, in one transaction."""
        with store.transaction() as sql:
            self.apply(notifications, sql, isolated)
            position = self.reached(notifications, target)
            track(sql, dict.fromkeys((p.name for p in self.chosen), position))
        return position

    def reached(self, notifications: Sequence[Notification], target: int) -> int:
        """The position a batch read by `read` brings the build to: a short batch means nothing is left."""
        return notifications[-1].id if len(notifications) == self.batch else target

    def close(self) -> None:
        self.stop_parts()
        self.store.close()
        remove_sqlite_files(self.path)
        for part in self.path.parent.glob(f"{glob.escape(self.path.name)}.part*"):
            remove_sqlite_files(part)


def remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")


def build_processes(events: int) -> int:
    return 2 if events >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2 else 1


class Part:
    """A group of read models built in a process of its own, into a file of its own (and from there into
    the shadow schema, if given). The process tells how far it is, then that it has built, then (with a
    shadow) how many rows it copied, or at any point why it failed."""

    def __init__(
        self, settings: Settings, group: list[Projection], path: Path, batch: int, target: int,
        shadow: Shadow | None,
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

    def __init__(self, shown: Progress, parts: list[Part]) -> None:
        super().__init__()
        self.shown = shown
        self.parts = parts

    def update(self, done: int, total: int | None = None) -> None:
        for part in self.parts:
            part.heard()
        self.shown.update(min([done, *(part.done for part in self.parts)]))


class Told(Silent):
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
    settings: Settings, names: list[str], path: str, batch: int, target: int, shadow: Shadow | None, parent: int,
    answer: Connection,
) -> None:
    """In a build process: applies the ledger up to `target` to the named read models in the file at `path`,
    then copies their tables into `shadow`, if given; tells the rebuild through `answer` as it goes."""
    try:
        ledger = open_ledger(settings, system_clock)
        try:
            build = Build(ledger, Path(path), choose(configured_projections(settings), names), batch)
            try:
                build.advance(build.store, 0, target, Told(parent, answer))
            finally:
                build.store.close()
            answer.send(("progress", target))
            answer.send(("built", build.apply_seconds))
            if shadow is not None:
                answer.send(("copied", shadow.fill(Path(path), build.tables(), Told(parent))))
        finally:
            ledger.close()
    except Exception as error:  # noqa: BLE001 - told to the rebuild, which fails with it
        answer.send(("failed", f"{type(error).__name__}: {error}"))
    finally:
        answer.close()

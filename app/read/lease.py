"""Leases held by one process of a database at a time: the projector's, so that one of many serving processes
projects, `docket deliver`'s, so that one deliverer sends each webhook call, and `docket automate`'s, so that one
follower calls the models about each detection.

On PostgreSQL it is a session-level advisory lock, held by a connection of its own; on SQLite an OS lock on a file
beside the database (`<database>.projector.lock`). Either is freed the moment its holder dies, and another process,
trying every few seconds, takes it over. Two projectors would still write nothing twice (each step takes its read
models' locks), but every event would be read, decoded and tried twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any, Protocol

import psycopg

from app.config.database import Database

log = logging.getLogger(__name__)

RETRY = 2.0
"""Seconds between tries for a lease another process holds, and between checks that this one still holds it."""


class Lease(Protocol):
    def acquire(self) -> bool:
        """Takes the lease if it is free, or checks that this process still holds it; True while it does."""

    def release(self) -> None: ...


class AdvisoryLease:
    """A session-level advisory lock on one schema's key: another schema's holder does not wait for it."""

    def __init__(self, database: Database, name: str = "projector") -> None:
        self.conninfo = database.conninfo()
        self.name = name
        self.key = f"docket-{name}:{database.schema}"
        self._connection: psycopg.Connection[Any] | None = None

    def acquire(self) -> bool:
        if self._connection is not None:
            try:
                self._connection.execute("SELECT 1")
                return True
            except psycopg.Error as error:  # the session, and with it the lock, is gone
                log.warning("lost the %s lease (%s); another process may take it now", self.name, error)
                self.release()
        try:
            connection = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=2)
        except psycopg.Error:
            return False
        try:
            row = connection.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (self.key,)).fetchone()
        except psycopg.Error:
            row = None
        if row is None or not row[0]:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None


class FileLease:
    """An exclusive `flock` on a file: one open file holds it, whichever process (or thread) opened it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if self._file is not None:
            return True
        file = self.path.open("a")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        self._file = file
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def projector_lease(database: Database) -> Lease:
    return database_lease(database, "projector")


def database_lease(database: Database, name: str) -> Lease:
    """The lease called `name` of one database (and schema): `<database>.<name>.lock` beside a SQLite file."""
    if database.is_postgres:
        return AdvisoryLease(database, name)
    assert database.sqlite_path is not None
    return FileLease(database.sqlite_path.with_name(f"{database.sqlite_path.name}.{name}.lock"))


async def while_held(lease: Lease, work: Callable[[asyncio.Event], Awaitable[None]], stop: asyncio.Event) -> None:
    """Runs `work` while this process holds `lease`, standing by while another process does, until `stop` is set.

    `work` is given an event that is set when it must return: once `stop` is set, or once the lease is found lost (its
    connection gone); it runs again when the lease is held again.
    """
    said = False
    try:
        while not stop.is_set():
            if await asyncio.to_thread(lease.acquire):
                log.info("this process holds the lease and works")
                said = False
                until = asyncio.Event()
                keeping = asyncio.create_task(_keep(lease, stop, until))
                try:
                    await work(until)
                finally:
                    keeping.cancel()
                    await asyncio.gather(keeping, return_exceptions=True)
                continue
            if not said:
                log.info("another process works for this database; standing by until it stops")
                said = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETRY)
    finally:
        await asyncio.to_thread(lease.release)


async def _keep(lease: Lease, stop: asyncio.Event, until: asyncio.Event) -> None:
    """Sets `until` once `stop` is set, or once the lease is found lost."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RETRY)
        if stop.is_set():
            break
        if not await asyncio.to_thread(lease.acquire):
            log.warning("lost the lease; stopping until it is held again")
            break
    until.set()

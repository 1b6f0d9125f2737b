"""What an operator does about a read model stopped at an event it cannot apply: try the event again now, once the
cause is fixed."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from app.read.failures import ProjectionFailure, clear, stopped
from app.read.notifications import events_channel
from app.runtime.wiring import Runtime
from projections.sql import Sql


class RecoveryRefused(Exception):
    """A retry that does not fit the read model: unknown, or not stopped."""


def retry(runtime: Runtime, name: str) -> ProjectionFailure:
    """Forgets read model `name`'s failure, so that the projectors try the event again at once; returns it."""
    with _locked(runtime, name) as sql:
        failure = _stopped(sql, name)
        clear(sql, name)
        _wake(runtime, sql)
    runtime.recorded.ring()
    return failure


def _locked(runtime: Runtime, name: str) -> AbstractContextManager[Any]:
    """A transaction holding read model `name`'s lock, which the projector's steps take too; RecoveryRefused when the
    name names no read model."""
    if name not in {p.name for p in runtime.projector.projections}:
        known = ", ".join(p.name for p in runtime.projector.projections)
        raise RecoveryRefused(f"no read model named {name}; the read models are: {known}")
    return runtime.store.transaction(locks=[f"projection:{name}"])


def _stopped(sql: Sql, name: str) -> ProjectionFailure:
    """Read model `name`'s failure."""
    failure = stopped(sql, [name]).get(name)
    if failure is None:
        raise RecoveryRefused(f"read model {name} has not stopped: there is nothing to retry")
    return failure


def _wake(runtime: Runtime, sql: Sql) -> None:
    """Has other processes' projectors look again when the transaction commits, as after a write, through the channel
    they LISTEN on (PostgreSQL; on SQLite they look every fraction of a second anyway). This one's is rung after."""
    channel = events_channel(runtime.settings.database)
    if channel is not None:
        channel.notify(sql, "")

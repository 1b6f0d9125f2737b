"""What an operator does about a read model stopped at an event it cannot apply: try the event again now (once the
cause is fixed), or skip it, on the record."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from app.read.failures import ProjectionFailure, clear, stopped
from app.read.notifications import events_channel
from app.read.projector import track
from app.runtime.wiring import Runtime
from projections.sql import Sql


class RecoveryRefused(Exception):
    """A retry or skip that does not fit the read model: unknown, not stopped, or stopped elsewhere."""


def retry(runtime: Runtime, name: str) -> ProjectionFailure:
    """Forgets read model `name`'s failure, so that the projectors try the event again at once; returns it."""
    with _locked(runtime, name) as sql:
        failure = _stopped(sql, name)
        clear(sql, name)
        _wake(runtime, sql)
    runtime.recorded.ring()
    return failure


def skip(runtime: Runtime, name: str, position: int, reason: str, actor: str) -> int:
    """Records in the ledger that read model `name` skips the event at `position` it cannot apply, and why, then moves
    it past that event; returns the ledger position of the record. Only the position it stopped at can be skipped."""
    with _locked(runtime, name) as sql:
        failure = _stopped(sql, name, position)
    recorded = runtime.ledger.skip_event(name, position, failure.event_type, failure.raised, reason, actor)
    with _locked(runtime, name) as sql:  # the ledger and the read store are written one after the other
        now = stopped(sql, [name]).get(name)
        if now is None or now.position != position:
            raise RecoveryRefused(f"the skip is recorded at position {recorded}, but read model {name} no longer "
                                  f"stops at position {position} (retried or rebuilt meanwhile): it is left as it is")
        clear(sql, name)
        track(sql, {name: position})
        _wake(runtime, sql)
    runtime.recorded.ring()
    return recorded


def _locked(runtime: Runtime, name: str) -> AbstractContextManager[Any]:
    """A transaction holding read model `name`'s lock, which the projector's steps take too; RecoveryRefused when the
    name names no read model."""
    if name not in {p.name for p in runtime.projector.projections}:
        known = ", ".join(p.name for p in runtime.projector.projections)
        raise RecoveryRefused(f"no read model named {name}; the read models are: {known}")
    return runtime.store.transaction(locks=[f"projection:{name}"])


def _stopped(sql: Sql, name: str, position: int | None = None) -> ProjectionFailure:
    """Read model `name`'s failure, which must be at `position` if one is given."""
    failure = stopped(sql, [name]).get(name)
    if failure is None:
        raise RecoveryRefused(f"read model {name} has not stopped: there is nothing to retry or skip")
    if position is not None and position != failure.position:
        raise RecoveryRefused(
            f"read model {name} stopped at position {failure.position}, not {position}: only the event it cannot "
            f"apply can be skipped"
        )
    return failure


def _wake(runtime: Runtime, sql: Sql) -> None:
    """Has other processes' projectors look again when the transaction commits, as after a write, through the channel
    they LISTEN on (PostgreSQL; on SQLite they look every fraction of a second anyway). This one's is rung after."""
    channel = events_channel(runtime.settings.database)
    if channel is not None:
        channel.notify(sql, "")

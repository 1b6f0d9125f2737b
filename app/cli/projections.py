"""`docket projections`: each read model's position, lag and failure; `retry` and `skip` for one that stopped at an
event it cannot apply."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from app.config.settings import Settings
from app.read.migrations import pending
from app.runtime.health import ProjectionLag, health
from app.runtime.recovery import RecoveryRefused, retry, skip
from app.runtime.wiring import Runtime, open_runtime
from domain.errors import DocketError


def run_list(settings: Settings) -> int:
    """Prints each read model's position, lag and failure, and the ledger's head."""
    return run_on_runtime(settings, _print)


def run_retry(settings: Settings, name: str) -> int:
    """Clears a stopped read model's failure, so that it tries the event again at once."""

    def retrying(runtime: Runtime) -> None:
        failure = retry(runtime, name)
        print(f"read model {name} tries position {failure.position} ({failure.event_type}) again now; "
              f"`docket projections` shows whether it got past it")

    return run_on_runtime(settings, retrying)


def run_skip(settings: Settings, name: str, position: int, reason: str, actor: str) -> int:
    """Skips the event a read model stopped at, recording the skip in the ledger."""

    def skipping(runtime: Runtime) -> None:
        recorded = skip(runtime, name, position, reason, actor)
        print(f"read model {name} skipped position {position} and goes on; the skip is Projection.EventSkipped "
              f"at position {recorded}")

    return run_on_runtime(settings, skipping)


def run_on_runtime(settings: Settings, command: Callable[[Runtime], None]) -> int:
    """0 when done; 2, saying why, when the database is not migrated or the command does not fit."""
    try:
        with migrated_runtime(settings) as runtime:
            command(runtime)
    except (RecoveryRefused, DocketError) as error:
        print(f"docket: {error}", file=sys.stderr)
        return 2
    return 0


@contextmanager
def migrated_runtime(settings: Settings) -> Iterator[Runtime]:
    runtime = open_runtime(settings, prepare=False)
    try:
        if pending(runtime.store):
            raise RecoveryRefused("the database is not migrated; run `docket migrate` first")
        yield runtime
    finally:
        runtime.close()


def _print(runtime: Runtime) -> None:
    state = health(runtime)
    width = max(len(p.name) for p in state.projections)
    print(f"{'read model':<{width}}  {'position':>10}  {'lag':>8}  failure")
    for projection in state.projections:
        print(f"{projection.name:<{width}}  {projection.position:>10}  {projection.lag:>8}  {_failure(projection)}")
    print(f"ledger head: {state.head}")


def _failure(projection: ProjectionLag) -> str:
    failure = projection.failure
    if failure is None:
        return "-"
    return (f"{failure.reason}; since {failure.first_seen.isoformat(timespec='seconds')}, "
            f"{failure.attempts} attempts, the last at {failure.last_seen.isoformat(timespec='seconds')}")

"""How review mutations answer: the read models' view of what they wrote, once caught up with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from app.graphql.core.context import Info
from app.graphql.core.errors import attempt, not_yet_consistent
from app.graphql.core.inputs import SubjectInput
from app.graphql.core.scope import shared_record, unseen_case
from app.graphql.core.values import Subject
from app.graphql.review.types import CaseUpdate, Reporter
from app.read.store import read
from app.runtime.wiring import Runtime
from app.write.review import Written
from domain.case import Case
from projections.reports.queries import find_reporter

R = TypeVar("R")


def view_after(runtime: Runtime, position: int, query: Callable[..., R | None], *args: Any) -> R:
    """A read-model row, once the read models have reached `position`."""
    timeout = runtime.settings.consistency_timeout
    runtime.projector.wait_for(position, timeout)
    row = read(runtime.store, query, *args)
    if row is None:
        raise not_yet_consistent(position, timeout)
    return row


def reporter_view(runtime: Runtime, reporter_id: str, position: int) -> Reporter:
    row = view_after(runtime, position, find_reporter, reporter_id)
    return Reporter.of_row(row, runtime.ledger.clock(), position)


def case_update(case: Case, position: int) -> CaseUpdate:
    return CaseUpdate(case_id=str(case.id), subject=Subject.of(case.subject), position=str(position))  # type: ignore[arg-type]


async def change_case(info: Info, subject: SubjectInput, command: Callable[..., Written], *args: Any) -> Any:
    """Runs a command on a case in the caller's domains; answers with the case it changed, or the typed failure."""
    unseen = unseen_case(info.context.principal, subject.to_domain())
    if unseen is not None:
        return unseen
    result = await attempt(command, subject.to_domain(), *args)
    return case_update(result.aggregate, result.position) if isinstance(result, Written) else result


async def write_reporter(info: Info, command: Callable[..., Written], reporter_id: str, *args: Any) -> Any:
    """Runs a reporter command; answers with the reporter's record after the write, or the typed failure."""
    runtime = info.context.runtime
    unseen = shared_record(info.context.principal, f"no reporter {reporter_id!r}")
    if unseen is not None:
        return unseen
    result = await attempt(command, reporter_id, *args, info.context.actor)
    if not isinstance(result, Written):
        return result
    return await run_in_threadpool(reporter_view, runtime, reporter_id, result.position)

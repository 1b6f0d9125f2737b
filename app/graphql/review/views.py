"""How review mutations answer: what they wrote, as the read models will show it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from app.graphql.core.context import Info
from app.graphql.core.errors import attempt
from app.graphql.core.inputs import SubjectInput
from app.graphql.core.scope import shared_record, unseen_case
from app.graphql.review.types import CaseUpdate, Reporter
from app.read.store import read
from app.runtime.wiring import Runtime
from app.write.review import Written
from domain.reporter import Reporter as DomainReporter
from projections.reports.queries import find_reporter
from projections.reports.rows import reporter_row


def case_update(written: Written) -> CaseUpdate:
    return CaseUpdate.of(written.aggregate.id, written.aggregate.subject, written.position)


async def change_case(info: Info, subject: SubjectInput, command: Callable[..., Written], *args: Any) -> Any:
    """Runs a command on a case in the caller's domains; answers with the case it changed, or the typed failure."""
    unseen = unseen_case(info.context.principal, subject.to_domain())
    if unseen is not None:
        return unseen
    result = await attempt(command, subject.to_domain(), *args)
    return case_update(result) if isinstance(result, Written) else result


async def write_reporter(info: Info, command: Callable[..., Written], reporter_id: str, *args: Any) -> Any:
    """Runs a reporter command; answers with the reporter's record after the write, or the typed failure."""
    unseen = shared_record(info.context.principal, f"no reporter {reporter_id!r}")
    if unseen is not None:
        return unseen
    result = await attempt(command, reporter_id, *args, info.context.actor)
    if not isinstance(result, Written):
        return result
    return await run_in_threadpool(reporter_view, info.context.runtime, result.aggregate, result.position)


def reporter_view(runtime: Runtime, reporter: DomainReporter, position: int) -> Reporter:
    """The reporter's record: its warnings and suspension as written, its counts of reports as the read model keeps
    them now (they tally other records' events; nothing waits for them)."""
    row = reporter_row(reporter, read(runtime.store, find_reporter, reporter.reporter_id))
    return Reporter.of_row(row, runtime.ledger.clock(), position)

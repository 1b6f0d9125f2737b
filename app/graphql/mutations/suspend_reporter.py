"""suspendReporter: stops processing a warned reporter's notices for a while (DSA Art. 23), with reasons."""

from __future__ import annotations

from datetime import datetime

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.context import Info
from app.graphql.errors import attempt
from app.graphql.mutations.warn_reporter import ReporterResult
from app.graphql.review_views import reporter_view
from app.review import Written


@strawberry.input
class SuspendReporterInput:
    reporter_id: str
    reason: str
    until: datetime


@strawberry.type
class SuspendReporterMutation:
    @strawberry.mutation(description="Refuses the reporter's notices until `until`; only after a warning.")
    async def suspend_reporter(self, info: Info, input: SuspendReporterInput) -> ReporterResult:
        runtime = info.context.runtime
        result = await attempt(
            runtime.ledger.suspend_reporter, input.reporter_id, input.reason, input.until, info.context.actor
        )
        if not isinstance(result, Written):
            return result
        return await run_in_threadpool(reporter_view, runtime, input.reporter_id, result.position)

"""suspendReporter: stops processing a warned reporter's notices for a while (DSA Art. 23), with reasons."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.graphql.core.context import Info
from app.graphql.review.views import write_reporter
from app.graphql.review.warn_reporter import ReporterResult


@strawberry.input
class SuspendReporterInput:
    reporter_id: str
    reason: str
    until: datetime


@strawberry.type
class SuspendReporterMutation:
    @strawberry.mutation(description="Refuses the reporter's notices until `until`; only after a warning.")
    async def suspend_reporter(self, info: Info, input: SuspendReporterInput) -> ReporterResult:
        ledger = info.context.runtime.ledger
        return await write_reporter(info, ledger.suspend_reporter, input.reporter_id, input.reason, input.until)

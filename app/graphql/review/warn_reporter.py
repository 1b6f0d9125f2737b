"""warnReporter: tells a reporter their notices were manifestly unfounded (DSA Art. 23), before any suspension."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError
from app.graphql.review.types import Reporter
from app.graphql.review.views import write_reporter

ReporterResult = Annotated[
    Reporter | ValidationError | NotFoundError | ConflictError, strawberry.union("ReporterResult")
]


@strawberry.input
class WarnReporterInput:
    reporter_id: str
    reason: str


@strawberry.type
class WarnReporterMutation:
    @strawberry.mutation(description="Warns a reporter, with reasons; a suspension needs a warning first.")
    async def warn_reporter(self, info: Info, input: WarnReporterInput) -> ReporterResult:
        return await write_reporter(info, info.context.runtime.ledger.warn_reporter, input.reporter_id, input.reason)

"""The transparency report query."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.compliance.transparency_types import TransparencyReportFigures
from app.graphql.core.context import Info
from app.graphql.core.errors import bad_input
from app.graphql.core.reading import consistent
from app.graphql.core.times import valid_time
from app.read.store import read
from projections.transparency.queries import transparency_report
from projections.transparency.rows import Period


@strawberry.type
class TransparencyQuery:
    @strawberry.field(
        description="The figures of a DSA transparency report for the period from `from` (inclusive) to `to` "
        "(exclusive), in one domain or every domain the caller sees. Only what happened before `to` counts: a "
        "closed period's report is the same whenever it is asked."
    )
    async def transparency_report(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        domain: str | None = None,
        min_position: str | None = None,
    ) -> TransparencyReportFigures:
        runtime = await consistent(info, min_position, transparency_report)
        start, end = valid_time(from_, "from"), valid_time(to, "to")
        if end < start:
            raise bad_input("to must not be before from", "to")
        period = Period(start, end, info.context.principal.within(domain))
        report = await run_in_threadpool(read, runtime.store, transparency_report, period)
        return TransparencyReportFigures.of(report, domain)

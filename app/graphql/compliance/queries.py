"""Queries of statements of reasons."""

from __future__ import annotations

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.compliance.types import (
    StatementFilter,
    StatementOfReasons,
    StatementOfReasonsConnection,
    StatementOfReasonsEdge,
)
from app.graphql.core.context import Info
from app.graphql.core.errors import bad_input
from app.graphql.core.reading import DEFAULT_PAGE, MAX_POSITION, check_page, consistent, parse_position
from app.graphql.core.times import valid_time
from app.graphql.core.values import PageInfo
from app.read.store import read
from projections.sor_submissions.queries import submission_of
from projections.statements_of_reasons.queries import StatementQuery, statement_page


@strawberry.type
class ComplianceQuery:
    @strawberry.field(
        description="DSA statements of reasons, one per decision that restricts something in the EEA, in the order "
        "the decisions were made; with a filter, those decided in a period, in a domain, of a status, of a submission "
        "status."
    )
    async def statements_of_reasons(
        self,
        info: Info,
        filter: StatementFilter | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        min_position: str | None = None,
    ) -> StatementOfReasonsConnection:
        runtime = await consistent(info, min_position, statement_page, submission_of)
        cursor = parse_position(after, "after") or 0
        check_page(first)
        given = filter or StatementFilter()
        start = None if given.from_ is None else valid_time(given.from_, "filter.from")
        end = None if given.to is None else valid_time(given.to, "filter.to")
        if start is not None and end is not None and end < start:
            raise bad_input("filter.to must not be before filter.from", "filter.to")
        submissions = None if given.submission is None else [given.submission]
        query = StatementQuery(start, end, info.context.principal.within(given.domain), given.status, submissions)
        rows = [] if cursor >= MAX_POSITION else await run_in_threadpool(
            read, runtime.store, statement_page, query, cursor, first + 1
        )
        edges = [StatementOfReasonsEdge(cursor=str(r.position), node=StatementOfReasons.of_row(r))
                 for r in rows[:first]]
        return StatementOfReasonsConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else after),
        )

"""Queries of notices to people."""

from __future__ import annotations

from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.compliance.notice_types import Notice, NoticeConnection, NoticeEdge, NoticeFilter
from app.graphql.core.context import Info
from app.graphql.core.errors import bad_input
from app.graphql.core.reading import DEFAULT_PAGE, MAX_POSITION, check_page, consistent, parse_position
from app.graphql.core.values import PageInfo
from app.read.store import read
from projections.notices.queries import NoticeQuery, notice_page


@strawberry.type
class NoticeQueries:
    @strawberry.field(
        description="Notices to people, in the order they were issued: to the affected account of each restrictive "
        "decision, and to each reporter of the outcome of their report; with a filter, to one account, about one "
        "decision, of a status, in a domain."
    )
    async def notices(
        self,
        info: Info,
        filter: NoticeFilter | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        min_position: str | None = None,
    ) -> NoticeConnection:
        runtime = await consistent(info, min_position, notice_page)
        cursor = parse_position(after, "after") or 0
        check_page(first)
        given = filter or NoticeFilter()
        decision_id = None if given.decision_id is None else _uuid(given.decision_id, "filter.decisionId")
        query = NoticeQuery(given.account_id, decision_id, given.status, info.context.principal.within(given.domain))
        rows = [] if cursor >= MAX_POSITION else await run_in_threadpool(
            read, runtime.store, notice_page, query, cursor, first + 1
        )
        edges = [NoticeEdge(cursor=str(r.position), node=Notice.of_row(r)) for r in rows[:first]]
        return NoticeConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else after),
        )


def _uuid(value: str, argument: str) -> str:
    try:
        return str(UUID(value))
    except ValueError:
        raise bad_input(f"{argument} must be a decision id (a UUID)", argument) from None

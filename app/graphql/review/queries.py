"""Queries of human review: the review queue, queues and their order, routing, reporters, case search and figures."""

from __future__ import annotations

from datetime import timedelta

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.errors import bad_input
from app.graphql.core.reading import (
    DEFAULT_PAGE,
    check_page,
    consistent,
)
from app.graphql.core.values import PageInfo
from app.graphql.review.cursors import parse_queue_cursor, queue_cursor
from app.graphql.review.types import (
    OperationsFigures,
    Queue,
    Reporter,
    ReviewQueueConnection,
    ReviewQueueEdge,
    ReviewQueueEntry,
    RoutingRule,
    RoutingTable,
)
from projections.reports.queries import find_reporter
from projections.review_queue.figures import Figures, queue_figures, reviewer_figures
from projections.review_queue.queries import review_queue as queue_page
from projections.review_queue.queues import find_queue, list_queues, queue_entries
from projections.review_queue.routing import load_table
from projections.sql import Query

MAX_WINDOW_HOURS = 24 * 31
MIN_WINDOW_HOURS = 1 / 3600
"""A second: a shorter window rounds to none, and rates per hour over it are undefined."""


def window(hours: float) -> timedelta:
    if not MIN_WINDOW_HOURS <= hours <= MAX_WINDOW_HOURS:
        raise bad_input(f"windowHours must be at least 1/3600 (a second) and at most {MAX_WINDOW_HOURS}", "windowHours")
    return timedelta(hours=hours)


@strawberry.type
class ReviewQuery:
    @strawberry.field(
        description="Cases and policies with detections awaiting a decision: most severe policy first, then the "
        "highest confidence, then the longest waiting."
    )
    async def review_queue(
        self,
        info: Info,
        domain: str | None = None,
        policy: str | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        min_position: str | None = None,
    ) -> ReviewQueueConnection:
        runtime = await consistent(info, min_position, queue_page)
        key = parse_queue_cursor(after)
        check_page(first)
        domains = info.context.principal.within(domain)
        rows = await runtime.store.reader.fetch(queue_page, domains, policy, key, first + 1)
        edges = [
            ReviewQueueEdge(cursor=queue_cursor(r.sort_key), node=ReviewQueueEntry.of_row(r)) for r in rows[:first]
        ]
        return ReviewQueueConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else after),
        )

    @strawberry.field(description="Every review queue, by name.")
    async def queues(self, info: Info, min_position: str | None = None) -> list[Queue]:
        runtime = await consistent(info, min_position, list_queues)
        scope = info.context.principal.scope
        return [Queue.of_row(r) for r in await runtime.store.reader.fetch(list_queues, scope)]

    @strawberry.field(description="One queue by name.")
    async def queue(self, info: Info, name: str, min_position: str | None = None) -> Queue | None:
        runtime = await consistent(info, min_position, find_queue)
        row = await runtime.store.reader.fetch(find_queue, name)
        return None if row is None or not info.context.principal.sees(row.domain) else Queue.of_row(row)

    @strawberry.field(
        description="A queue's waiting work in the order reviewers get it: priority override, severity, authorities "
        "and trusted flaggers, confidence, number of reports and detections, then age. Claimed work included."
    )
    async def queue_entries(
        self, info: Info, queue: str, first: int = DEFAULT_PAGE, offset: int = 0, min_position: str | None = None
    ) -> list[ReviewQueueEntry]:
        runtime = await consistent(info, min_position, queue_entries)
        check_page(first)
        if offset < 0:
            raise bad_input("offset must not be negative", "offset")
        principal = info.context.principal
        if principal.scope is not None:  # another domain's queue answers as one that does not exist: empty
            found = await runtime.store.reader.fetch(find_queue, queue)
            if found is not None and not principal.sees(found.domain):
                return []
        rows = await runtime.store.reader.fetch(queue_entries, queue, offset, first)
        return [ReviewQueueEntry.of_row(r) for r in rows]

    @strawberry.field(description="The routing table: ordered rules, the first match wins, else the default queue.")
    async def routing(self, info: Info, min_position: str | None = None) -> RoutingTable:
        runtime = await consistent(info, min_position, load_table, list_queues)
        rules, default_queue = await runtime.store.reader.fetch(load_table)
        scope = info.context.principal.scope
        if scope is not None:  # only the rules that route to the caller's queues
            visible = {q.name for q in await runtime.store.reader.fetch(list_queues, scope)}
            rules = [r for r in rules if r.queue in visible]
            default_queue = default_queue if default_queue in visible else None
        return RoutingTable(rules=[RoutingRule.of(r) for r in rules], default_queue=default_queue)

    @strawberry.field(description="A reporter's record: reports, upheld rate, warnings and suspension.")
    async def reporter(self, info: Info, id: str, min_position: str | None = None) -> Reporter | None:
        runtime = await consistent(info, min_position, find_reporter)
        # A reporter's record spans every domain: who reported what is beyond a scoped principal.
        if info.context.principal.scope is not None:
            return None
        row = await runtime.store.reader.fetch(find_reporter, id)
        return None if row is None else Reporter.of_row(row, runtime.ledger.clock())

    @strawberry.field(
        description="Per queue: backlog, oldest waiting, inbound and decided per hour, handling time, expiries."
    )
    async def queue_figures(
        self, info: Info, window_hours: float = 1.0, min_position: str | None = None
    ) -> list[OperationsFigures]:
        return await _figures(info, queue_figures, window_hours, min_position)

    @strawberry.field(description="Per reviewer: cases held, decided per hour, handling time and claim expiries.")
    async def reviewer_figures(
        self, info: Info, window_hours: float = 1.0, min_position: str | None = None
    ) -> list[OperationsFigures]:
        return await _figures(info, reviewer_figures, window_hours, min_position)


async def _figures(
    info: Info, query: Query[..., list[Figures]], window_hours: float, min_position: str | None
) -> list[OperationsFigures]:
    runtime = await consistent(info, min_position, query)
    span = window(window_hours)
    now = runtime.ledger.clock()
    scope = info.context.principal.scope
    return [OperationsFigures.of(f, now) for f in await runtime.store.reader.fetch(query, now, span, scope)]

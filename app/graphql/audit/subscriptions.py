"""ledgerEvents: the ledger replayed from a cursor, then followed live (graphql-transport-ws)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry
from anyio import to_thread

from app.graphql.audit.events import check_cursor, event_filter, events_page
from app.graphql.audit.types import LedgerEvent
from app.graphql.core.context import Info
from app.graphql.core.inputs import EventFilter
from app.graphql.core.reading import parse_position

PAGE = 100
"""Events a subscriber reads at a time: what it holds in memory, and how long one read keeps a thread."""


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every event after `after` (the start when absent) that the filter selects, in ledger order, "
        "then each new one as it is recorded. Resume after a disconnect by passing the last position received."
    )
    async def ledger_events(
        self, info: Info, after: str | None = None, filter: EventFilter | None = None
    ) -> AsyncGenerator[LedgerEvent, None]:
        runtime = info.context.runtime
        position = parse_position(after, "after") or 0
        query = event_filter(filter, info.context.principal.scope)
        if position:
            await to_thread.run_sync(check_cursor, runtime, position, limiter=runtime.subscriber_reads)
        # A subscriber that has caught up is woken by a write (this process's, or another's NOTIFY): the tail makes
        # the newest envelopes ahead of the projector.
        tail, multiplexed = info.context.tail, info.context.multiplexed
        while True:
            seen = tail.seen()
            # At the head, from the envelopes the process's tail read once for every subscriber, each event executed
            # once for every subscriber asking alike; further behind, from the store, each subscriber at its own pace:
            # a slow one holds back nobody.
            found = await tail.page(query, position, PAGE)
            event_of = LedgerEvent.of if multiplexed is None else multiplexed.event
            if found is None:
                page = await to_thread.run_sync(
                    events_page, runtime, query, position, PAGE, limiter=runtime.subscriber_reads
                )
                found = page, page[-1].position if page else position
                event_of = LedgerEvent.of  # envelopes of this subscriber's own: nobody shares them
            page, seen_upto = found
            for envelope in page:
                yield event_of(envelope)
                position = envelope.position
                # Executing and sending an event never waits: without a pause here, a subscriber would keep the
                # event loop for a whole page, and thirty replaying at once kept a query waiting for seconds.
                await asyncio.sleep(0)
            position = seen_upto
            if len(page) < PAGE:  # caught up: sleep until an event is recorded, here or in another process
                await tail.wait_after(seen)

"""webhooks, webhook and webhookDeliveries: the endpoints, and each one's delivery log and dead-letter list."""

from __future__ import annotations

from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool

from app.fanout.webhooks import outbox
from app.fanout.webhooks.outbox import DeliveryStatus
from app.graphql.core.context import Info
from app.graphql.core.errors import bad_input, parse_id
from app.graphql.core.reading import DEFAULT_PAGE, check_page, consistent, parse_position
from app.graphql.core.values import PageInfo
from app.graphql.webhooks.access import unscoped
from app.graphql.webhooks.types import Webhook, WebhookDelivery, WebhookDeliveryConnection, WebhookDeliveryEdge
from app.read.store import read
from projections.webhooks.queries import find_webhook, list_webhooks


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Every webhook, the oldest first.")
    async def webhooks(self, info: Info, min_position: str | None = None) -> list[Webhook]:
        runtime = await consistent(info, min_position, list_webhooks)
        if unscoped(info) is not None:
            return []
        return [Webhook.of_row(r) for r in await run_in_threadpool(read, runtime.store, list_webhooks)]

    @strawberry.field
    async def webhook(self, info: Info, id: strawberry.ID, min_position: str | None = None) -> Webhook | None:
        runtime = await consistent(info, min_position, find_webhook)
        if unscoped(info) is not None:
            return None
        row = await run_in_threadpool(read, runtime.store, find_webhook, str(id))
        return None if row is None else Webhook.of_row(row)

    @strawberry.field(description="An endpoint's deliveries in ledger order, each with every attempt: status code, "
                      "latency, the start of the answer, the next attempt. `status: DEAD` is its dead-letter list.")
    async def webhook_deliveries(
        self, info: Info, webhook: strawberry.ID, status: DeliveryStatus | None = None, first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> WebhookDeliveryConnection:
        check_page(first)
        start = parse_position(after, "after") or 0
        parsed = parse_id(webhook, "webhook")
        if not isinstance(parsed, UUID):
            raise bad_input(parsed.message, "webhook")
        store = info.context.runtime.store
        if unscoped(info) is not None:
            return WebhookDeliveryConnection(edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None))

        def page() -> tuple[list[WebhookDelivery], bool]:
            with store.transaction(write=False) as sql:
                found = outbox.deliveries(sql, str(webhook), status, start, first + 1)
                shown = found[:first]
                attempts = outbox.attempts_of(sql, str(webhook), [d.position for d in shown])
            return [WebhookDelivery.of(d, attempts.get(d.position, [])) for d in shown], len(found) > first

        nodes, more = await run_in_threadpool(page)
        return WebhookDeliveryConnection(
            edges=[WebhookDeliveryEdge(cursor=n.position, node=n) for n in nodes],
            page_info=PageInfo(has_next_page=more, end_cursor=nodes[-1].position if nodes else None),
        )

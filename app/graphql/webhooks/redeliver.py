"""redeliver: dead-lettered deliveries of an endpoint, tried again now with the whole schedule ahead."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from app.fanout.webhooks import outbox
from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError, attempt, parse_id
from app.graphql.core.reading import MAX_POSITION
from app.graphql.webhooks.access import commands, unscoped
from app.graphql.webhooks.types import Redelivered


@strawberry.input
class RedeliverInput:
    webhook_id: strawberry.ID
    positions: list[str] | None = strawberry.field(default=None, description="The ledger positions of the "
                                                   "deliveries to put back; every dead-lettered one when omitted.")


RedeliverResult = Annotated[
    Redelivered | ValidationError | NotFoundError | ConflictError, strawberry.union("RedeliverResult")
]


@strawberry.type
class RedeliverMutation:
    @strawberry.mutation(description="Puts dead-lettered deliveries back to be sent now; `docket deliver` takes "
                         "them within a second.")
    async def redeliver(self, info: Info, input: RedeliverInput) -> RedeliverResult:
        refused = unscoped(info, input.webhook_id)
        if refused is not None:
            return refused
        webhook_id = parse_id(input.webhook_id, "webhookId")
        if not isinstance(webhook_id, UUID):
            return webhook_id
        positions = None
        if input.positions is not None:
            if any(not (p.isascii() and p.isdigit()) or len(p) > 19 or int(p) > MAX_POSITION
                   for p in input.positions):
                return ValidationError(message="positions must be ledger positions", field="positions")
            positions = [int(p) for p in input.positions]
        runtime = info.context.runtime

        def put_back(found: UUID) -> int:
            commands(info).get(found)  # the ledger's webhook: the read model may not have it yet
            with runtime.store.transaction() as sql:
                return outbox.redeliver(sql, str(found), positions, runtime.ledger.clock())

        count = await attempt(put_back, webhook_id)
        return Redelivered(count=count) if isinstance(count, int) else count

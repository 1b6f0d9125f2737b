"""updateQueue: a queue's domain and description; its name is its identity."""

from __future__ import annotations

import strawberry

from app.graphql.core.context import Info
from app.graphql.review.create_queue import QueueInput, QueueResult, write_queue


@strawberry.type
class UpdateQueueMutation:
    @strawberry.mutation(description="Changes a queue's domain and description.")
    async def update_queue(self, info: Info, input: QueueInput) -> QueueResult:
        return await write_queue(info, info.context.runtime.ledger.update_queue, input)

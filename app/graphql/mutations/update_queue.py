"""updateQueue: a queue's domain and description; its name is its identity."""

from __future__ import annotations

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.context import Info
from app.graphql.errors import attempt
from app.graphql.mutations.create_queue import QueueInput, QueueResult
from app.graphql.review_types import Queue
from app.graphql.review_views import view_after
from app.review import Written
from projections.review_queue.queues import find_queue


@strawberry.type
class UpdateQueueMutation:
    @strawberry.mutation(description="Changes a queue's domain and description.")
    async def update_queue(self, info: Info, input: QueueInput) -> QueueResult:
        runtime = info.context.runtime
        result = await attempt(runtime.ledger.update_queue, input.name, input.domain, input.description, info.context.actor)
        if not isinstance(result, Written):
            return result
        row = await run_in_threadpool(view_after, runtime, result.position, find_queue, input.name)
        return Queue.of_row(row, result.position)

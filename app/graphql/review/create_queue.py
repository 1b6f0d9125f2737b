"""createQueue: a named review queue in a domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    attempt,
)
from app.graphql.core.scope import unseen_queue
from app.graphql.review.types import Queue
from app.write.review import Written
from projections.review_queue.rows import queue_row


@strawberry.input
class QueueInput:
    name: str
    domain: str
    description: str


QueueResult = Annotated[Queue | ValidationError | NotFoundError | ConflictError, strawberry.union("QueueResult")]


async def write_queue(info: Info, command: Callable[..., Written], input: QueueInput) -> QueueResult:
    """Runs a queue command and answers with the queue as the read model will show it."""
    principal = info.context.principal
    if not principal.sees(input.domain):
        return NotFoundError(message=f"no domain {input.domain!r}")
    unseen = await run_in_threadpool(unseen_queue, info.context.runtime, principal, input.name)
    if unseen is not None:
        return unseen
    result = await attempt(command, input.name, input.domain, input.description, info.context.actor)
    if not isinstance(result, Written):
        return result
    return Queue.of_row(queue_row(result.aggregate, result.position))


@strawberry.type
class CreateQueueMutation:
    @strawberry.mutation(description="Creates a review queue; routing rules then send work to it.")
    async def create_queue(self, info: Info, input: QueueInput) -> QueueResult:
        return await write_queue(info, info.context.runtime.ledger.create_queue, input)

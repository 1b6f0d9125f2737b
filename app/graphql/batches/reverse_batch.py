"""reverseBatch: rolls a bad wave back, every decision of the batch undone with its strike."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.batches.types import BatchProgress
from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    attempt,
    parse_id,
)
from app.graphql.core.scope import hidden
from app.write.batches import BatchRun
from domain.batch import Batch
from domain.errors import no_such_batch
from projections.batch_progress.rows import batch_row


@strawberry.input
class ReverseBatchInput:
    batch_id: strawberry.ID
    rationale: str


ReverseBatchResult = Annotated[
    BatchProgress | ValidationError | NotFoundError | ConflictError, strawberry.union("ReverseBatchResult")
]


@strawberry.type
class ReverseBatchMutation:
    @strawberry.mutation(
        description="Stops a batch and reverses every decision it made: actions reversed, strikes removed, "
        "penalties lifted, one subject per transaction. Asked again while it runs, it finishes the rollback."
    )
    async def reverse_batch(self, info: Info, input: ReverseBatchInput) -> ReverseBatchResult:
        batch_id = parse_id(input.batch_id, "batchId")
        if isinstance(batch_id, ValidationError):
            return batch_id
        runtime = info.context.runtime
        batch = await run_in_threadpool(runtime.ledger.aggregate, batch_id)
        if isinstance(batch, Batch) and not info.context.principal.sees(batch.domain):
            return hidden(no_such_batch(batch_id))
        result = await attempt(runtime.ledger.reverse_batch, batch_id, input.rationale, info.context.actor)
        if not isinstance(result, BatchRun):
            return result
        return BatchProgress.of_row(batch_row(result.batch, result.position), result.created)

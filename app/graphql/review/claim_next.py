"""claimNext: the highest-priority unclaimed case of a queue, leased to the caller; null when there is none."""

from __future__ import annotations

from datetime import timedelta
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
from app.graphql.review.types import ClaimedCase
from app.runtime.claiming import NextClaim, claim_next
from domain.claims import DEFAULT_LEASE
from projections.review_queue.rows import claim_row

ClaimResult = Annotated[ClaimedCase | ValidationError | NotFoundError | ConflictError, strawberry.union("ClaimResult")]


def lease_of(seconds: int | None) -> timedelta:
    return DEFAULT_LEASE if seconds is None else timedelta(seconds=seconds)


@strawberry.type
class ClaimNextMutation:
    @strawberry.mutation(
        description="Leases the queue's highest-priority case that nobody holds (10 minutes unless leaseSeconds "
        "says otherwise); null when the queue has nothing to claim. Two reviewers never get the same case."
    )
    async def claim_next(self, info: Info, queue: str, lease_seconds: int | None = None) -> ClaimResult | None:
        unseen = await run_in_threadpool(unseen_queue, info.context.runtime, info.context.principal, queue)
        if unseen is not None:
            return unseen
        result = await attempt(claim_next, info.context.runtime, queue, lease_of(lease_seconds), info.context.actor)
        if not isinstance(result, NextClaim):
            return result
        taken = result.taken
        now = info.context.runtime.ledger.clock()
        return ClaimedCase.of_row(claim_row(taken.case), result.entry, now, taken.position)

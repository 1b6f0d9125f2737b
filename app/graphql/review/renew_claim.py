"""renewClaim: the holder extends a lease that still runs."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    attempt,
)
from app.graphql.core.inputs import SubjectInput
from app.graphql.core.scope import unseen_case
from app.graphql.core.values import Subject
from app.graphql.review.claim_next import lease_of
from app.graphql.review.types import Claim
from app.write.review import ClaimTaken
from projections.review_queue.rows import claim_row

RenewClaimResult = Annotated[
    Claim | ValidationError | NotFoundError | ConflictError, strawberry.union("RenewClaimResult")
]


@strawberry.type
class RenewClaimMutation:
    @strawberry.mutation(
        description="Extends the caller's live lease on a case by leaseSeconds (10 minutes by default)."
    )
    async def renew_claim(
        self, info: Info, subject: SubjectInput, lease_seconds: int | None = None
    ) -> RenewClaimResult:
        unseen = unseen_case(info.context.principal, subject.to_domain())
        if unseen is not None:
            return unseen
        result = await attempt(
            info.context.runtime.ledger.renew_claim, subject.to_domain(), lease_of(lease_seconds), info.context.actor
        )
        if not isinstance(result, ClaimTaken):
            return result
        ledger = info.context.runtime.ledger
        return Claim.of_row(claim_row(result.case), Subject.of(result.case.subject), ledger.clock(), result.position)

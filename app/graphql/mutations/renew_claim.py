"""renewClaim: the holder extends a lease that still runs."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.errors import ConflictError, NotFoundError, ValidationError, attempt
from app.graphql.inputs import SubjectInput
from app.graphql.mutations.claim_next import lease_of
from app.graphql.review_types import Claim
from app.graphql.scope import unseen_case
from app.graphql.types import Subject
from app.write.review import ClaimTaken

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
        c = result.claim
        return Claim(
            case_id=strawberry.ID(str(result.case.id)), subject=Subject.of(result.case.subject), queue=c.queue,
            policy=c.policy_key, holder=c.holder, claimed_at=c.claimed_at, expires_at=c.expires_at, live=True,
            position=str(result.position),
        )

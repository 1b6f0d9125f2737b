"""releaseClaim: the holder gives a case back to its queue."""

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
from app.graphql.review.types import CaseUpdate
from app.graphql.review.views import case_update
from app.write.review import Written
from domain.claims import ReleaseReason

CaseUpdateResult = Annotated[
    CaseUpdate | ValidationError | NotFoundError | ConflictError, strawberry.union("CaseUpdateResult")
]


async def release(info: Info, subject: SubjectInput, reason: ReleaseReason) -> CaseUpdateResult:
    unseen = unseen_case(info.context.principal, subject.to_domain())
    if unseen is not None:
        return unseen
    result = await attempt(info.context.runtime.ledger.release_claim, subject.to_domain(), reason, info.context.actor)
    return case_update(result) if isinstance(result, Written) else result


@strawberry.type
class ReleaseClaimMutation:
    @strawberry.mutation(description="Gives the caller's claimed case back to its queue.")
    async def release_claim(self, info: Info, subject: SubjectInput) -> CaseUpdateResult:
        return await release(info, subject, ReleaseReason.RELEASED)

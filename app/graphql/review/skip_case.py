"""skipCase: the holder passes on a case; it goes back to its queue, and not to this reviewer again."""

from __future__ import annotations

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.inputs import SubjectInput
from app.graphql.review.release_claim import CaseUpdateResult, release
from domain.claims import ReleaseReason


@strawberry.type
class SkipCaseMutation:
    @strawberry.mutation(description="Gives the caller's claimed case back; claimNext will not hand it to them again.")
    async def skip_case(self, info: Info, subject: SubjectInput) -> CaseUpdateResult:
        return await release(info, subject, ReleaseReason.SKIPPED)

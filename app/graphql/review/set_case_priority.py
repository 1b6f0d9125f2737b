"""setCasePriority: an explicit override of where a case's work stands in its queue."""

from __future__ import annotations

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.inputs import SubjectInput
from app.graphql.review.release_claim import CaseUpdateResult
from app.graphql.review.views import change_case


@strawberry.input
class SetCasePriorityInput:
    subject: SubjectInput
    policy: str
    priority: int = strawberry.field(description="Higher comes first; 0 is everyone's default; -1000 to 1000.")
    reason: str


@strawberry.type
class SetCasePriorityMutation:
    @strawberry.mutation(description="Overrides the computed order of a case's work in its queue.")
    async def set_case_priority(self, info: Info, input: SetCasePriorityInput) -> CaseUpdateResult:
        c = info.context
        return await change_case(
            info, input.subject, c.runtime.ledger.prioritize_case, input.policy, input.priority, input.reason, c.actor
        )

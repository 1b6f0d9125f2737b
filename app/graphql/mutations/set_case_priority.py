"""setCasePriority: an explicit override of where a case's work stands in its queue."""

from __future__ import annotations

import strawberry

from app.graphql.context import Info
from app.graphql.errors import attempt
from app.graphql.inputs import SubjectInput
from app.graphql.mutations.release_claim import CaseUpdateResult
from app.graphql.review_views import case_update, known_case
from app.review import Written
from app.runtime import Runtime
from domain.values import Subject


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
        result = await attempt(
            _prioritize, c.runtime, input.subject.to_domain(), input.policy, input.priority, input.reason, c.actor
        )
        return case_update(result.aggregate, result.position) if isinstance(result, Written) else result


def _prioritize(runtime: Runtime, subject: Subject, policy: str, priority: int, reason: str, actor: str) -> Written:
    known_case(runtime, subject)
    return runtime.ledger.prioritize_case(subject, policy, priority, reason, actor)

"""escalateCase: sends a case's work under a policy to another queue, with a note."""

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
class EscalateCaseInput:
    subject: SubjectInput
    policy: str
    queue: str
    note: str


@strawberry.type
class EscalateCaseMutation:
    @strawberry.mutation(description="Moves the work to another queue with a note; the caller's claim on it ends.")
    async def escalate_case(self, info: Info, input: EscalateCaseInput) -> CaseUpdateResult:
        c = info.context
        result = await attempt(
            _escalate, c.runtime, input.subject.to_domain(), input.policy, input.queue, input.note, c.actor, c.is_admin
        )
        return case_update(result.aggregate, result.position) if isinstance(result, Written) else result


def _escalate(runtime: Runtime, subject: Subject, policy: str, queue: str, note: str, actor: str, admin: bool) -> Written:
    known_case(runtime, subject)
    return runtime.ledger.escalate_case(subject, policy, queue, note, actor, admin)

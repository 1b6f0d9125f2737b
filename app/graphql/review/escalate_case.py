"""escalateCase: sends a case's work under a policy to another queue, with a note."""

from __future__ import annotations

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.core.context import Info
from app.graphql.core.inputs import SubjectInput
from app.graphql.core.scope import unseen_queue
from app.graphql.review.release_claim import CaseUpdateResult
from app.graphql.review.views import change_case


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
        unseen = await run_in_threadpool(unseen_queue, c.runtime, c.principal, input.queue)
        if unseen is not None:
            return unseen
        return await change_case(
            info, input.subject, c.runtime.ledger.escalate_case, input.policy, input.queue, input.note, c.actor,
            c.is_admin,
        )

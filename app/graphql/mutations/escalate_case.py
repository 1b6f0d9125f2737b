"""escalateCase: sends a case's work under a policy to another queue, with a note."""

from __future__ import annotations

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.context import Info
from app.graphql.inputs import SubjectInput
from app.graphql.mutations.release_claim import CaseUpdateResult
from app.graphql.review_views import change_case
from app.graphql.scope import unseen_queue


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
            c.is_admin, waiting=input.policy,
        )

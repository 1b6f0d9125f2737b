"""addCaseNote: a reviewer's note on a case, for whoever looks next."""

from __future__ import annotations

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.inputs import SubjectInput
from app.graphql.review.release_claim import CaseUpdateResult
from app.graphql.review.views import change_case


@strawberry.input
class AddCaseNoteInput:
    subject: SubjectInput
    policy: str | None = strawberry.field(default=None, description="The policy the note is about, if one.")
    note: str


@strawberry.type
class AddCaseNoteMutation:
    @strawberry.mutation(description="Adds a note to a case's record.")
    async def add_case_note(self, info: Info, input: AddCaseNoteInput) -> CaseUpdateResult:
        c = info.context
        return await change_case(info, input.subject, c.runtime.ledger.add_case_note, input.policy, input.note, c.actor)

"""addCaseNote: a reviewer's note on a case, for whoever looks next."""

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
class AddCaseNoteInput:
    subject: SubjectInput
    policy: str | None = strawberry.field(default=None, description="The policy the note is about, if one.")
    note: str


@strawberry.type
class AddCaseNoteMutation:
    @strawberry.mutation(description="Adds a note to a case's record.")
    async def add_case_note(self, info: Info, input: AddCaseNoteInput) -> CaseUpdateResult:
        c = info.context
        result = await attempt(_note, c.runtime, input.subject.to_domain(), input.policy, input.note, c.actor)
        return case_update(result.aggregate, result.position) if isinstance(result, Written) else result


def _note(runtime: Runtime, subject: Subject, policy: str | None, note: str, actor: str) -> Written:
    known_case(runtime, subject)
    return runtime.ledger.add_case_note(subject, policy, note, actor)

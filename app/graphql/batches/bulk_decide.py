"""bulkDecide: one verdict over up to 10,000 subjects, each decided atomically and at most once."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.batches.types import BatchProgress
from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    attempt,
)
from app.graphql.core.inputs import ActionInput, DsaFactsInput, SubjectInput
from app.graphql.core.scope import unseen_policies
from app.write.batches import BatchRun
from domain.batch import MAX_SUBJECTS, BatchSubject
from domain.case import Verdict
from domain.values import Outcome
from projections.batch_progress.rows import batch_row


@strawberry.input(description="A subject of a bulk decision and the account its strike goes to.")
class BulkSubjectInput:
    subject: SubjectInput
    account_id: str

    def to_domain(self) -> BatchSubject:
        return BatchSubject(subject=self.subject.to_domain(), account_id=self.account_id)


@strawberry.input
class BulkDecideInput:
    subjects: list[BulkSubjectInput] = strawberry.field(
        description=f"1 to {MAX_SUBJECTS:,} distinct subjects of the policy's domain."
    )
    policy: str
    outcome: Outcome
    actions: list[ActionInput] = strawberry.field(default_factory=list)
    rationale: str
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key returns the same batch and resumes it if it stopped."
    )
    dsa: DsaFactsInput | None = strawberry.field(
        default=None, description="What every decision's statement of reasons needs beyond what the ledger knows."
    )


BulkDecideResult = Annotated[
    BatchProgress | ValidationError | NotFoundError | ConflictError, strawberry.union("BulkDecideResult")
]


@strawberry.type
class BulkDecideMutation:
    @strawberry.mutation(
        description="Decides many subjects under one policy and verdict; returns the batch, whose id reverseBatch "
        "takes. Each subject is decided with its strike in one transaction; one already decided that way is skipped."
    )
    async def bulk_decide(self, info: Info, input: BulkDecideInput) -> BulkDecideResult:
        named = [(s.subject.domain, input.policy) for s in input.subjects]
        unseen = unseen_policies(info.context.principal, named, "subjects")
        if unseen is not None:
            return unseen
        verdict = Verdict(
            outcome=input.outcome, actions=tuple(a.to_domain() for a in input.actions), rationale=input.rationale,
            dsa=None if input.dsa is None else input.dsa.to_domain(),
        )
        subjects = [s.to_domain() for s in input.subjects]
        result = await attempt(
            info.context.runtime.ledger.bulk_decide, input.policy, verdict, subjects, input.idempotency_key,
            info.context.actor,
        )
        if not isinstance(result, BatchRun):
            return result
        return BatchProgress.of_row(batch_row(result.batch, result.position), result.created)

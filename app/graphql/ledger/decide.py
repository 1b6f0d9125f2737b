"""decide: a verdict on a subject under a policy, with its actions and the strike it causes."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    attempt,
    parse_id,
)
from app.graphql.core.inputs import ActionInput, ContentInput, DsaFactsInput, SubjectInput
from app.graphql.core.scope import unseen_policies
from app.graphql.ledger.types import Decision
from app.write.deciding import DecisionMade
from domain.case import Case, Verdict
from domain.standing import Strike
from domain.values import ContentType, Outcome
from projections.action_confirmations.rows import confirmation_rows
from projections.case_status.rows import decision_row


@strawberry.input
class DecideInput:
    subject: SubjectInput
    account_id: str | None = None
    policy: str
    outcome: Outcome
    actions: list[ActionInput] = strawberry.field(default_factory=list)
    detection_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    rationale: str
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key on the same subject returns the original decision."
    )
    content: ContentInput | None = strawberry.field(
        default=None, description="What was judged; defaults to the newest content the detections pinned."
    )
    content_type: ContentType | None = None
    dsa: DsaFactsInput | None = None


DecideResult = Annotated[Decision | ValidationError | NotFoundError | ConflictError, strawberry.union("DecideResult")]


@strawberry.type
class DecideMutation:
    @strawberry.mutation(
        description="Decides a case under a policy; VIOLATING strikes the account, and the policy's open reports "
        "close, in the same transaction. A case someone else has claimed is refused unless the caller is an admin."
    )
    async def decide(self, info: Info, input: DecideInput) -> DecideResult:
        detection_ids = [parse_id(raw, "detectionIds") for raw in input.detection_ids]
        failure = next((d for d in detection_ids if isinstance(d, ValidationError)), None)
        if failure is not None:
            return failure
        unseen = unseen_policies(info.context.principal, [(input.subject.domain, input.policy)])
        if unseen is not None:
            return unseen
        verdict = Verdict(
            outcome=input.outcome, actions=tuple(a.to_domain() for a in input.actions), rationale=input.rationale,
            content=None if input.content is None else input.content.to_domain(),
            content_type=input.content_type, idempotency_key=input.idempotency_key,
            dsa=None if input.dsa is None else input.dsa.to_domain(),
        )
        result = await attempt(
            info.context.runtime.ledger.decide, input.subject.to_domain(), input.policy, verdict, detection_ids,
            input.account_id, info.context.actor, info.context.is_admin,
        )
        return decision_made(result) if isinstance(result, DecisionMade) else result


def decision_made(made: DecisionMade) -> Decision:
    """What decide and dismissCase answer: the decision as the read models will show it."""
    return decision_view(made.case, made.decision.decision_id, made.strike, made.position)


def decision_view(case: Case, decision_id: UUID, strike: Strike | None, position: int) -> Decision:
    """A decision as the read models will show it, from the case that holds it and the strike it counts, at the
    position of the write that answers with it."""
    row = decision_row(case, decision_id, None if strike is None else strike.strike_id, position)
    return Decision.of_row(row, strike, confirmation_rows(case, decision_id))

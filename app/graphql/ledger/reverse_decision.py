"""reverseDecision: a reviewer corrects a decision outside any appeal; its actions and strike go at once."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    attempt,
)
from app.graphql.ledger.decide import decision_view
from app.graphql.ledger.file_appeal import decided_case
from app.graphql.ledger.types import Decision
from app.write.corrections import DecisionReversed


@strawberry.input
class ReverseDecisionInput:
    decision_id: strawberry.ID
    rationale: str


ReverseDecisionResult = Annotated[
    Decision | ValidationError | NotFoundError | ConflictError, strawberry.union("ReverseDecisionResult")
]


@strawberry.type
class ReverseDecisionMutation:
    @strawberry.mutation(
        description="Reverses a live VIOLATING decision: its actions are reversed, its strike removed and the "
        "penalties that no longer follow lifted, in one transaction. The decision stays in the record."
    )
    async def reverse_decision(self, info: Info, input: ReverseDecisionInput) -> ReverseDecisionResult:
        found = await decided_case(info, input.decision_id)
        if not isinstance(found, tuple):
            return found
        decision_id, case = found
        result = await attempt(
            info.context.runtime.ledger.reverse_decision, case.id, decision_id, input.rationale, info.context.actor
        )
        if not isinstance(result, DecisionReversed):
            return result
        return decision_view(result.case, decision_id, result.strike, result.position)

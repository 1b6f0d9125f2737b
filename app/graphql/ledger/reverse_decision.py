"""reverseDecision: a reviewer corrects a decision outside any appeal; its actions and strike go at once."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    attempt,
    parse_id,
)
from app.graphql.core.scope import hidden
from app.graphql.ledger.decide import decision_view
from app.graphql.ledger.file_appeal import visible_case
from app.graphql.ledger.types import Decision
from app.write.corrections import DecisionReversed
from domain.errors import no_such_decision


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
        decision_id = parse_id(input.decision_id, "decisionId")
        if isinstance(decision_id, ValidationError):
            return decision_id
        runtime = info.context.runtime
        case = await run_in_threadpool(visible_case, runtime, info.context.principal, decision_id)
        if case is None:
            return hidden(no_such_decision(decision_id))
        result = await attempt(
            runtime.ledger.reverse_decision, case.id, decision_id, input.rationale, info.context.actor
        )
        if not isinstance(result, DecisionReversed):
            return result
        return decision_view(result.case, decision_id, result.strike, result.position)

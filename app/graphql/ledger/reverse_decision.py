"""reverseDecision: a reviewer corrects a decision outside any appeal; its actions and strike go at once."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    attempt,
    not_yet_consistent,
    parse_id,
)
from app.graphql.core.scope import hidden
from app.graphql.ledger.file_appeal import visible_decision
from app.graphql.ledger.types import Decision
from app.read.store import reading
from app.runtime.wiring import Runtime
from app.write.corrections import DecisionReversed
from domain.errors import no_such_decision
from projections.account_standing.queries import find_strikes
from projections.case_status.queries import find_decision


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
        decision = await run_in_threadpool(visible_decision, runtime, info.context.principal, decision_id)
        if decision is None:
            return hidden(no_such_decision(decision_id))
        result = await attempt(
            runtime.ledger.reverse_decision, UUID(decision.case_id), decision_id, input.rationale, info.context.actor
        )
        if not isinstance(result, DecisionReversed):
            return result
        return await run_in_threadpool(_reversed_view, runtime, decision_id, result.position)


def _reversed_view(runtime: Runtime, decision_id: UUID, position: int) -> Decision:
    """The decision as the read models show it once they have caught up with the reversal, its removed strike too."""
    timeout = runtime.settings.consistency_timeout
    runtime.projector.wait_for(position, timeout)
    with reading(runtime.store, find_decision, find_strikes) as sql:
        row = find_decision(sql, str(decision_id))
        strikes = {} if row is None or row.strike_id is None else find_strikes(sql, [row.strike_id])
    if row is None or row.reversed_at is None:
        raise not_yet_consistent(position, timeout)
    decision = Decision.of_row(row, strikes.get(row.strike_id or ""))
    decision.position = str(position)
    return decision

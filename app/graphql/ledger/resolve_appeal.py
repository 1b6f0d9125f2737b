"""resolveAppeal: a second reviewer upholds or overturns; an overturn undoes the decision's effects at once."""

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
from app.graphql.ledger.types import Appeal
from app.write.appeals import AppealResolved
from domain.appeal import Appeal as DomainAppeal
from domain.appeal import AppealOutcome
from domain.errors import no_such_appeal
from projections.appeals.rows import appeal_row


@strawberry.input
class ResolveAppealInput:
    appeal_id: strawberry.ID
    outcome: AppealOutcome
    rationale: str


ResolveAppealResult = Annotated[
    Appeal | ValidationError | NotFoundError | ConflictError, strawberry.union("ResolveAppealResult")
]


@strawberry.type
class ResolveAppealMutation:
    @strawberry.mutation(
        description="Upholds or overturns an appeal; an overturn reverses the actions, removes the strike and "
        "lifts the penalties that no longer follow, in one transaction."
    )
    async def resolve_appeal(self, info: Info, input: ResolveAppealInput) -> ResolveAppealResult:
        appeal_id = parse_id(input.appeal_id, "appealId")
        if isinstance(appeal_id, ValidationError):
            return appeal_id
        runtime = info.context.runtime
        appeal = await run_in_threadpool(runtime.ledger.aggregate, appeal_id)
        if isinstance(appeal, DomainAppeal) and not info.context.principal.sees(appeal.subject.domain):
            return hidden(no_such_appeal(appeal_id))
        result = await attempt(
            runtime.ledger.resolve_appeal, appeal_id, input.outcome, input.rationale, info.context.actor
        )
        if not isinstance(result, AppealResolved):
            return result
        return Appeal.of_row(appeal_row(result.appeal, result.position))

"""fileAppeal: the affected party asks for a VIOLATING decision to be looked at again."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool

from app.auth.tokens import Principal
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
from app.runtime.wiring import Runtime
from app.write.appeals import AppealFiled
from domain.case import Case
from domain.errors import no_such_decision
from projections.appeals.rows import appeal_row


@strawberry.input
class FileAppealInput:
    decision_id: strawberry.ID
    statement: str
    idempotency_key: str | None = None


FileAppealResult = Annotated[
    Appeal | ValidationError | NotFoundError | ConflictError, strawberry.union("FileAppealResult")
]


@strawberry.type
class FileAppealMutation:
    @strawberry.mutation(description="Files the one appeal of a VIOLATING decision, within the domain's appeal window.")
    async def file_appeal(self, info: Info, input: FileAppealInput) -> FileAppealResult:
        found = await decided_case(info, input.decision_id)
        if not isinstance(found, tuple):
            return found
        decision_id, case = found
        result = await attempt(
            info.context.runtime.ledger.file_appeal, case.id, decision_id, input.statement, input.idempotency_key,
            info.context.actor,
        )
        if not isinstance(result, AppealFiled):
            return result
        return Appeal.of_row(appeal_row(result.appeal, result.position))


async def decided_case(info: Info, raw_id: strawberry.ID) -> tuple[UUID, Case] | ValidationError | NotFoundError:
    """The decision an input names and the case it was made on; the failure to answer with when the id is malformed,
    or names no decision the caller sees."""
    decision_id = parse_id(raw_id, "decisionId")
    if isinstance(decision_id, ValidationError):
        return decision_id
    case = await run_in_threadpool(visible_case, info.context.runtime, info.context.principal, decision_id)
    if case is None:
        return hidden(no_such_decision(decision_id))
    return decision_id, case


def visible_case(runtime: Runtime, principal: Principal, decision_id: UUID) -> Case | None:
    """The case the ledger's index says the decision was made on, if it is in the caller's domains."""
    case = runtime.ledger.case_of_decision(decision_id)
    return case if case is not None and principal.sees(case.subject.domain) else None

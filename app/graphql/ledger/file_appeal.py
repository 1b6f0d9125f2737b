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
    not_yet_consistent,
    parse_id,
)
from app.graphql.core.scope import hidden
from app.graphql.ledger.types import Appeal
from app.read.store import read
from app.runtime.wiring import Runtime
from app.write.appeals import AppealFiled
from domain.errors import no_such_decision
from projections.appeals.queries import find_appeal
from projections.case_status.queries import find_decision
from projections.case_status.rows import DecisionRow


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
        decision_id = parse_id(input.decision_id, "decisionId")
        if isinstance(decision_id, ValidationError):
            return decision_id
        runtime = info.context.runtime
        decision = await run_in_threadpool(visible_decision, runtime, info.context.principal, decision_id)
        if decision is None:
            return hidden(no_such_decision(decision_id))
        result = await attempt(
            runtime.ledger.file_appeal, UUID(decision.case_id), decision_id, input.statement, input.idempotency_key,
            info.context.actor,
        )
        if not isinstance(result, AppealFiled):
            return result
        return await run_in_threadpool(appeal_view, runtime, result.appeal.id, result.position)


def visible_decision(runtime: Runtime, principal: Principal, decision_id: UUID) -> DecisionRow | None:
    """The decision, once the read models hold everything written so far, if it is in the caller's domains."""
    row = runtime.read_current(find_decision, str(decision_id))
    return row if row is not None and principal.sees(row.subject.domain) else None


def appeal_view(runtime: Runtime, appeal_id: UUID, position: int) -> Appeal:
    """The appeal as the read model shows it, once it has caught up with `position`."""
    timeout = runtime.settings.consistency_timeout
    runtime.projector.wait_for(position, timeout)
    row = read(runtime.store, find_appeal, str(appeal_id))
    if row is None:
        raise not_yet_consistent(position, timeout)
    appeal = Appeal.of_row(row)
    appeal.position = str(position)
    return appeal

"""confirmActionApplied: a platform system says it applied an action of a decision, or undid it after a reversal."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    as_failure,
    attempt,
)
from app.graphql.ledger.file_appeal import decided_case
from app.graphql.ledger.types import ActionConfirmation
from app.write.confirmations import ActionConfirmed
from domain.confirmation import Confirmation
from domain.errors import DocketError
from domain.values import ActionType
from projections.action_confirmations.rows import confirmation_rows


@strawberry.input
class ConfirmActionAppliedInput:
    decision_id: strawberry.ID
    action: ActionType
    system: str = strawberry.field(description="The confirming system, one the decision's policy asks (`search`).")
    applied_at: datetime = strawberry.field(description="When the system applied (or undid) the action.")
    external_ref: str | None = strawberry.field(default=None, description="The system's own reference, e.g. a job id.")
    reversal: bool = strawberry.field(
        default=False, description="True: the system undid the action of a reversed decision."
    )


ConfirmActionAppliedResult = Annotated[
    ActionConfirmation | ValidationError | NotFoundError | ConflictError, strawberry.union("ConfirmActionAppliedResult")
]


@strawberry.type
class ConfirmActionAppliedMutation:
    @strawberry.mutation(
        description="Records that a system applied an action of a decision (or, with reversal, undid it), once per "
        "decision, action, system and direction: a retry answers the original and records nothing."
    )
    async def confirm_action_applied(self, info: Info, input: ConfirmActionAppliedInput) -> ConfirmActionAppliedResult:
        found = await decided_case(info, input.decision_id)
        if isinstance(found, ValidationError):
            return found
        confirmation = Confirmation(
            UUID(str(input.decision_id)), input.action, input.system, input.applied_at, input.external_ref,
            input.reversal,
        )
        try:
            confirmation.validate()  # what was sent is checked before whether the decision exists
        except DocketError as error:
            return as_failure(error)
        if isinstance(found, NotFoundError):
            return found
        decision_id, case = found
        runtime = info.context.runtime
        result = await attempt(runtime.ledger.confirm_action, case.id, confirmation, info.context.actor)
        if not isinstance(result, ActionConfirmed):
            return result
        row = next(r for r in confirmation_rows(result.case, decision_id) if r.obligation == result.obligation)
        return ActionConfirmation.of_row(row, runtime.ledger.clock(), result.position)

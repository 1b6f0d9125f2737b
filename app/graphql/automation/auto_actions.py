"""autoActions: autoAction for many inputs at once, their models asked concurrently."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.automation.auto_action import AutoActionInput, AutoActionResult, run_auto_action
from app.graphql.automation.types import AutoActionOutcome
from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError
from app.graphql.core.scope import unseen_policies

MAX_INPUTS = 500
CONCURRENCY = 64
"""Inputs run at once: their model calls overlap, their writes queue for the ledger's threads."""


@strawberry.type(description="What each input's rules made of it, in input order; an input that failed holds its "
                 "typed error and the others stand.")
class AutoActionsOutcome:
    results: list[AutoActionResult]
    position: str = strawberry.field(description="Covers every write of the call.")


AutoActionsResult = Annotated[
    AutoActionsOutcome | ValidationError | NotFoundError | ConflictError, strawberry.union("AutoActionsResult")
]


@strawberry.type
class AutoActionsMutation:
    @strawberry.mutation(
        description=f"autoAction for up to {MAX_INPUTS} inputs, {CONCURRENCY} at a time: each runs its policy's "
        "active rules and answers as autoAction does; a retry answers from what the first run recorded. An input "
        "naming a policy outside the caller's domains refuses the whole call (NotFoundError, naming its index)."
    )
    async def auto_actions(self, info: Info, inputs: list[AutoActionInput]) -> AutoActionsResult:
        if not 1 <= len(inputs) <= MAX_INPUTS:
            return ValidationError(message=f"inputs must hold 1 to {MAX_INPUTS} items", field="inputs")
        unseen = unseen_policies(info.context.principal, [(i.subject.domain, i.policy) for i in inputs])
        if unseen is not None:
            return unseen
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(input: AutoActionInput) -> AutoActionResult:
            async with gate:
                return await run_auto_action(info, input)

        results = await asyncio.gather(*(one(i) for i in inputs))
        positions = [int(r.position) for r in results if isinstance(r, AutoActionOutcome)]
        position = max(positions) if positions else await run_in_threadpool(info.context.runtime.ledger.head)
        return AutoActionsOutcome(results=list(results), position=str(position))

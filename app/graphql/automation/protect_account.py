"""protectAccount and unprotectAccount: accounts automation never decides about, kept as events."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.automation.types import AccountProtection
from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError, attempt
from app.graphql.core.scope import shared_record
from app.write.automation import ProtectionWritten


@strawberry.input
class ProtectAccountInput:
    account_id: str
    reason: str = strawberry.field(description="Why: a public figure, a partner, one of the platform's own accounts.")


ProtectAccountResult = Annotated[
    AccountProtection | ValidationError | NotFoundError | ConflictError, strawberry.union("ProtectAccountResult")
]


@strawberry.type
class ProtectAccountMutation:
    @strawberry.mutation(
        description="Protects an account from automated decisions in every domain: automation sends its cases to a "
        "human. Again, changes nothing. For principals who see every domain."
    )
    async def protect_account(self, info: Info, input: ProtectAccountInput) -> ProtectAccountResult:
        return await _change(info, input, protect=True)

    @strawberry.mutation(description="Lifts an account's protection from automated decisions.")
    async def unprotect_account(self, info: Info, input: ProtectAccountInput) -> ProtectAccountResult:
        return await _change(info, input, protect=False)


async def _change(info: Info, input: ProtectAccountInput, protect: bool) -> ProtectAccountResult:
    unseen = shared_record(info.context.principal, f"account {input.account_id!r} was never protected")
    if unseen is not None:
        return unseen
    ledger = info.context.runtime.ledger
    command = ledger.protect_account if protect else ledger.unprotect_account
    result = await attempt(command, input.account_id, input.reason, info.context.actor)
    return AccountProtection.of(result.protection, result.position) if isinstance(result, ProtectionWritten) \
        else result

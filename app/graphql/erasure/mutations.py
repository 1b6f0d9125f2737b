"""eraseAccountData, placeLegalHold and liftLegalHold: an account's personal data crypto-shredded, or kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError, as_failure, attempt
from app.graphql.core.scope import shared_record
from app.write.erasure import AccountDataWritten, no_such_account
from domain import account_data, errors


@strawberry.type(description="Whether an account's personal data is kept by a legal hold, and when it was erased.")
class AccountData:
    account_id: str
    legal_hold: bool
    hold_reason: str | None
    hold_authority: str | None
    erased_at: datetime | None = strawberry.field(description="When its key was last deleted: its personal data in "
                                                  "events reads as [erased] from then on.")
    position: str

    @classmethod
    def of(cls, written: AccountDataWritten) -> AccountData:
        data = written.data
        return cls(account_id=data.account_id, legal_hold=data.held, hold_reason=data.hold_reason,
                   hold_authority=data.hold_authority, erased_at=data.erased_at, position=str(written.position))


@strawberry.type(description="A legal hold keeps the account's personal data; nothing was erased.")
class LegalHoldError:
    message: str
    authority: str | None


@strawberry.input
class EraseAccountDataInput:
    account_id: str
    reason: str = strawberry.field(description="The request: whose, under which right (e.g. GDPR Art. 17).")


@strawberry.input
class LegalHoldInput:
    account_id: str
    reason: str
    authority: str = strawberry.field(description="Who ordered the hold or its end: a court, a regulator, counsel.")


EraseAccountDataResult = Annotated[
    AccountData | LegalHoldError | ValidationError | NotFoundError | ConflictError,
    strawberry.union("EraseAccountDataResult"),
]
LegalHoldResult = Annotated[
    AccountData | ValidationError | NotFoundError | ConflictError, strawberry.union("LegalHoldResult")
]


@strawberry.type
class ErasureMutation:
    @strawberry.mutation(
        description="Erases an account's personal data in events by deleting its key (crypto-shredding), and records "
        "the request (AccountData.Erased) in the same transaction. The history still replays and verifies; the "
        "fields read as [erased]; decisions, strikes and statements remain. Again with nothing sealed since: "
        "changes nothing. Under a legal hold: LegalHoldError. For admins who see every domain."
    )
    async def erase_account_data(self, info: Info, input: EraseAccountDataInput) -> EraseAccountDataResult:
        unseen = shared_record(info.context.principal, no_such_account(input.account_id).message)
        if unseen is not None:
            return unseen
        ledger = info.context.runtime.ledger
        try:
            written = await run_in_threadpool(
                ledger.erase_account_data, input.account_id, input.reason, info.context.actor
            )
        except account_data.LegalHoldError as held:
            return LegalHoldError(message=held.message, authority=held.authority)
        except errors.DocketError as error:
            return as_failure(error)
        return AccountData.of(written)

    @strawberry.mutation(description="Keeps an account's personal data from erasure until lifted; again, changes "
                         "nothing.")
    async def place_legal_hold(self, info: Info, input: LegalHoldInput) -> LegalHoldResult:
        return await _hold(info, input, info.context.runtime.ledger.place_legal_hold)

    @strawberry.mutation(description="Lifts an account's legal hold; lifting none changes nothing.")
    async def lift_legal_hold(self, info: Info, input: LegalHoldInput) -> LegalHoldResult:
        return await _hold(info, input, info.context.runtime.ledger.lift_legal_hold)


async def _hold(info: Info, input: LegalHoldInput, command: Callable[..., AccountDataWritten]) -> LegalHoldResult:
    """Places or lifts a hold; an account's data spans every domain, so a scoped principal is told of no account."""
    unseen = shared_record(info.context.principal, no_such_account(input.account_id).message)
    if unseen is not None:
        return unseen
    result = await attempt(command, input.account_id, input.reason, input.authority, info.context.actor)
    return AccountData.of(result) if isinstance(result, AccountDataWritten) else result

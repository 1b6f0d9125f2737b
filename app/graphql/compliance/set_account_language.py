"""setAccountLanguage: the language an account reads its notices in."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError, attempt
from app.graphql.core.scope import shared_record
from app.write.notices import LanguageSet


@strawberry.input
class SetAccountLanguageInput:
    account_id: str
    language: str = strawberry.field(
        description="ISO 639-1, upper case (`DE`). Notices are written in EN, DE and FR; any other reads them in EN."
    )


@strawberry.type
class AccountLanguage:
    account_id: str
    language: str
    position: str


SetAccountLanguageResult = Annotated[
    AccountLanguage | ValidationError | NotFoundError | ConflictError, strawberry.union("SetAccountLanguageResult")
]


@strawberry.type
class SetAccountLanguageMutation:
    @strawberry.mutation(
        description="Records the language an account reads its notices in, for the notices issued from now on; the "
        "same language again changes nothing. For principals who see every domain: an account's notices come from "
        "every domain."
    )
    async def set_account_language(self, info: Info, input: SetAccountLanguageInput) -> SetAccountLanguageResult:
        unseen = shared_record(info.context.principal, f"account {input.account_id!r} is not yours to change")
        if unseen is not None:
            return unseen
        ledger = info.context.runtime.ledger
        result = await attempt(ledger.set_account_language, input.account_id, input.language, info.context.actor)
        if not isinstance(result, LanguageSet):
            return result
        return AccountLanguage(account_id=input.account_id, language=input.language, position=str(result.position))

"""dismissCase: NOT_VIOLATING under a policy; it closes the policy's open reports and takes the case off its queue."""

from __future__ import annotations

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.errors import attempt
from app.graphql.core.inputs import SubjectInput
from app.graphql.core.scope import unseen_policies
from app.graphql.ledger.decide import DecideResult, decision_made
from app.write.deciding import DecisionMade
from domain.case import Verdict
from domain.values import Outcome


@strawberry.input
class DismissCaseInput:
    subject: SubjectInput
    policy: str
    rationale: str
    idempotency_key: str | None = None


@strawberry.type
class DismissCaseMutation:
    @strawberry.mutation(description="Decides NOT_VIOLATING: no action, no strike; the open reports close with it.")
    async def dismiss_case(self, info: Info, input: DismissCaseInput) -> DecideResult:
        unseen = unseen_policies(info.context.principal, [(input.subject.domain, input.policy)])
        if unseen is not None:
            return unseen
        verdict = Verdict(
            outcome=Outcome.NOT_VIOLATING, actions=(), rationale=input.rationale, idempotency_key=input.idempotency_key
        )
        result = await attempt(
            info.context.runtime.ledger.decide, input.subject.to_domain(), input.policy, verdict, [], None,
            info.context.actor, info.context.is_admin,
        )
        return decision_made(result) if isinstance(result, DecisionMade) else result

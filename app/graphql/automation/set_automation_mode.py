"""setAutomationMode: a rule OFF, in SHADOW, in ASSIST, or AUTO on sufficient evidence."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from app.graphql.automation.types import AutomationRule
from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError, attempt, parse_id
from app.write.automation import RuleWritten, no_such_rule
from domain.automation import AutomationMode
from projections.automation_rules.rows import rule_row


@strawberry.input
class SetAutomationModeInput:
    rule: strawberry.ID
    mode: AutomationMode
    reason: str


SetAutomationModeResult = Annotated[
    AutomationRule | ValidationError | NotFoundError | ConflictError, strawberry.union("SetAutomationModeResult")
]


@strawberry.type
class SetAutomationModeMutation:
    @strawberry.mutation(
        description="Changes a rule's mode, with the reason; the caller is the approver. AUTO is refused "
        "(ConflictError) unless the rule's latest evaluation, of the policy version now published, meets its "
        "launch criteria; the figures go into the event."
    )
    async def set_automation_mode(self, info: Info, input: SetAutomationModeInput) -> SetAutomationModeResult:
        rule_id = parse_id(input.rule, "rule")
        if isinstance(rule_id, ValidationError):
            return rule_id
        ledger = info.context.runtime.ledger
        seen = await attempt(_seen_rule_domain, info, rule_id)
        if not isinstance(seen, str):
            return seen
        result = await attempt(ledger.set_automation_mode, rule_id, input.mode, input.reason, info.context.actor)
        return AutomationRule.of_row(rule_row(result.rule, result.position)) if isinstance(result, RuleWritten) \
            else result


def _seen_rule_domain(info: Info, rule_id: UUID) -> str:
    """The rule's domain, if the caller sees it; a rule outside their view is one that does not exist."""
    rule = info.context.runtime.ledger.automation.get_rule(rule_id)
    if not info.context.principal.sees(rule.domain):
        raise no_such_rule(rule_id)
    return rule.domain


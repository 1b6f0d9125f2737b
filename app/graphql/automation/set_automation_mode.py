"""setAutomationMode: a rule OFF, in SHADOW, in ASSIST, or AUTO on sufficient evidence."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.automation.types import AutomationRule, InsufficientEvidenceError
from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError, as_failure, attempt, parse_id
from app.read.failures import read_models_of
from app.write.automation import no_such_rule
from domain.automation import AgreementFigures, AutomationMode, InsufficientEvidence
from domain.errors import DocketError
from projections.automation_rules.rows import rule_row
from projections.shadow_agreement.queries import agreements


@strawberry.input
class SetAutomationModeInput:
    rule: strawberry.ID
    mode: AutomationMode
    reason: str


SetAutomationModeResult = Annotated[
    AutomationRule | ValidationError | NotFoundError | ConflictError | InsufficientEvidenceError,
    strawberry.union("SetAutomationModeResult"),
]


@strawberry.type
class SetAutomationModeMutation:
    @strawberry.mutation(
        description="Changes a rule's mode, with the reason; the caller is the approver. AUTO is refused "
        "(InsufficientEvidenceError, naming each criterion that fails) unless the rule's latest evaluation and its "
        "shadow agreement with human decisions, both of the policy version now published, meet its launch "
        "criteria; both figures go into the event."
    )
    async def set_automation_mode(self, info: Info, input: SetAutomationModeInput) -> SetAutomationModeResult:
        rule_id = parse_id(input.rule, "rule")
        if isinstance(rule_id, ValidationError):
            return rule_id
        ledger = info.context.runtime.ledger
        seen = await attempt(_seen_rule_domain, info, rule_id)
        if not isinstance(seen, str):
            return seen
        measured = await _agreements(info, rule_id) if input.mode is AutomationMode.AUTO else []
        try:
            result = await run_in_threadpool(
                ledger.set_automation_mode, rule_id, input.mode, input.reason, info.context.actor, measured
            )
        except InsufficientEvidence as refused:
            return InsufficientEvidenceError.of(refused.message, refused.shortfalls)
        except DocketError as error:
            return as_failure(error)
        return AutomationRule.of_row(rule_row(result.rule, result.position))


async def _agreements(info: Info, rule_id: UUID) -> list[AgreementFigures]:
    """The rule's shadow agreement per policy version: measured once the read model has reached what the ledger holds
    now, or after the consistency timeout as far as it has reached (each figure carries that position into the
    event). The write side reads no read model, so the evidence is measured here and handed to the command; a
    stopped or lagging projector bounds the wait, never refuses the write."""
    runtime = info.context.runtime
    head = await run_in_threadpool(runtime.ledger.head)
    await runtime.projector.reach(head, runtime.settings.consistency_timeout, read_models_of([agreements]))
    found: dict[str, list[AgreementFigures]] = await runtime.store.reader.fetch(agreements, [str(rule_id)])
    return found.get(str(rule_id), [])


def _seen_rule_domain(info: Info, rule_id: UUID) -> str:
    """The rule's domain, if the caller sees it; a rule outside their view is one that does not exist."""
    rule = info.context.runtime.ledger.automation.get_rule(rule_id)
    if not info.context.principal.sees(rule.domain):
        raise no_such_rule(rule_id)
    return rule.domain


"""configureAutomation: a policy's rule for a model, OFF until its mode is set; again, new settings for it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.automation.types import AutomationRule
from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError, attempt
from app.graphql.core.scope import unseen_policies
from app.write.automation import RuleWritten
from domain import automation
from domain.values import ActionType
from projections.automation_rules.rows import rule_row


@strawberry.input(description="What an evaluation must show before the rule may act alone.")
class LaunchCriteriaInput:
    min_samples: int = 150
    min_precision: float = 0.95
    min_recall: float = 0.80
    min_kappa: float = 0.80


@strawberry.input(description="How many automated decisions the rule may make per account an hour and in all a day.")
class CapsInput:
    per_account_per_hour: int = 5
    per_day: int = 10_000


@strawberry.input
class ConfigureAutomationInput:
    domain: str
    policy: str
    model: str = strawberry.field(description="As litellm names it: provider/model, e.g. openai/gpt-4o-mini.")
    api_base: str | None = strawberry.field(default=None, description="The provider's base URL, if not its default.")
    api_key_env: str | None = strawberry.field(
        default=None, description="The NAME of the environment variable that holds the key; never the key itself."
    )
    fallbacks: list[str] = strawberry.field(default_factory=list, description="Models tried when this one fails.")
    input_cost_per_token: float | None = strawberry.field(
        default=None, description="USD per prompt token, for a model litellm has no price for."
    )
    output_cost_per_token: float | None = None
    threshold: float = strawberry.field(description="The confidence in (0, 1] at which AUTO decides alone.")
    allowed_actions: list[ActionType]
    launch_criteria: LaunchCriteriaInput = strawberry.field(default_factory=LaunchCriteriaInput)
    qa_sample_rate: float = 0.02
    precision_floor: float = 0.90
    caps: CapsInput = strawberry.field(default_factory=CapsInput)

    def to_domain(self) -> automation.RuleSettings:
        route = automation.ModelRoute(
            model=self.model, api_base=self.api_base, api_key_env=self.api_key_env,
            input_cost_per_token=self.input_cost_per_token, output_cost_per_token=self.output_cost_per_token,
            fallbacks=tuple(self.fallbacks),
        )
        c = self.launch_criteria
        return automation.RuleSettings(
            route=route, threshold=self.threshold, allowed_actions=tuple(self.allowed_actions),
            launch_criteria=automation.LaunchCriteria(c.min_samples, c.min_precision, c.min_recall, c.min_kappa),
            qa_sample_rate=self.qa_sample_rate, precision_floor=self.precision_floor,
            caps=automation.Caps(self.caps.per_account_per_hour, self.caps.per_day),
        )


ConfigureAutomationResult = Annotated[
    AutomationRule | ValidationError | NotFoundError | ConflictError, strawberry.union("ConfigureAutomationResult")
]


@strawberry.type
class ConfigureAutomationMutation:
    @strawberry.mutation(
        description="Configures the policy's rule for a model, OFF; for a model it has a rule for, new settings "
        "(an AUTO rule drops to SHADOW: its evidence was for the old ones)."
    )
    async def configure_automation(self, info: Info, input: ConfigureAutomationInput) -> ConfigureAutomationResult:
        unseen = unseen_policies(info.context.principal, [(input.domain, input.policy)], "input")
        if unseen is not None:
            return unseen
        ledger = info.context.runtime.ledger
        result = await attempt(
            ledger.configure_automation, input.domain, input.policy, input.to_domain(), info.context.actor
        )
        return AutomationRule.of_row(rule_row(result.rule, result.position)) if isinstance(result, RuleWritten) \
            else result

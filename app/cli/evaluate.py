"""`docket eval`: a rule's golden-set evaluation, recorded in the ledger as the evidence its mode rests on."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import UUID

from app.automation.evaluation import evaluate, read_golden_set, report
from app.automation.models import CallSettings, Models
from app.cli.projections import run_on_runtime
from app.config.settings import Settings
from app.runtime.wiring import Runtime
from domain.errors import ValidationError


def run_eval(
    settings: Settings, rule: str, golden: Path, actor: str, concurrency: int = 8, show_items: bool = False
) -> int:
    """Evaluates the rule on the golden set's items of its policy, prints the figures and records them."""

    def evaluating(runtime: Runtime) -> None:
        try:
            rule_id = UUID(rule)
        except ValueError:
            raise ValidationError(f"--rule: {rule!r} is not a rule id (see automationRules)", "rule") from None
        ledger = runtime.ledger
        found = ledger.automation.get_rule(rule_id)
        policy = ledger.get_policy(found.domain, found.policy_key)
        models = Models(CallSettings(timeout=settings.model_timeout, retries=settings.model_retries))
        evaluated = asyncio.run(evaluate(models, found, policy, read_golden_set(golden), concurrency))
        written = ledger.record_evaluation(rule_id, evaluated.figures, evaluated.items, actor)
        print(report(evaluated, written.rule, show_items))
        print(f"recorded as AutomationRule.Evaluated at position {written.position}")

    return run_on_runtime(settings, evaluating)

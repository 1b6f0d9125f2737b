"""Rows of the automation rules read model."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from domain.automation import AutomationRule, Caps, EvaluationFigures, LaunchCriteria, ModelRoute, RuleSettings


@dataclass(frozen=True)
class RuleFigures:
    """What a rule has done since it was configured: verdicts recorded (violations among them), classifications that
    failed, cases it sent to a human and decisions it made alone."""

    verdicts: int = 0
    violations: int = 0
    failures: int = 0
    queued: int = 0
    decided: int = 0


@dataclass(frozen=True)
class AutomationRuleRow:
    rule_id: str
    domain: str
    policy_key: str
    model: str
    settings: RuleSettings
    policy_version: int
    mode: str
    mode_reason: str
    mode_changed_at: datetime
    mode_changed_by: str
    evaluation: EvaluationFigures | None
    evaluated_at: datetime | None
    figures: RuleFigures | None
    """None in a mutation's answer: the figures are counted by the read model (`automationRules`)."""
    configured_at: datetime
    configured_by: str
    position: int


def settings_json(settings: RuleSettings) -> str:
    return json.dumps(asdict(settings))


def settings_from(text: str) -> RuleSettings:
    data: dict[str, Any] = json.loads(text)
    return RuleSettings(
        **data | {"route": ModelRoute(**data["route"]), "launch_criteria": LaunchCriteria(**data["launch_criteria"]),
                  "caps": Caps(**data["caps"])}
    )


def evaluation_json(figures: EvaluationFigures | None) -> str | None:
    return None if figures is None else json.dumps(asdict(figures))


def evaluation_from(text: str | None) -> EvaluationFigures | None:
    return None if text is None else EvaluationFigures(**json.loads(text))


def rule_row(rule: AutomationRule, position: int, figures: RuleFigures | None = None) -> AutomationRuleRow:
    """A rule's row as the rule aggregate holds it."""
    return AutomationRuleRow(
        rule_id=str(rule.id), domain=rule.domain, policy_key=rule.policy_key, model=rule.settings.route.model,
        settings=rule.settings, policy_version=rule.policy_version, mode=str(rule.mode), mode_reason=rule.mode_reason,
        mode_changed_at=rule.mode_changed_at, mode_changed_by=rule.mode_changed_by, evaluation=rule.evaluation,
        evaluated_at=rule.evaluated_at, figures=figures, configured_at=rule.configured_at,
        configured_by=rule.configured_by, position=position,
    )

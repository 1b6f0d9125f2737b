"""What a rule in each mode does with a verdict: record it, send it to a human, or decide alone."""

from dataclasses import replace

import pytest

from domain.automation import AutomationMode, AutomationRule, AutoOutcome, plan_action
from domain.model_verdict import FailedClassification, ModelVerdict
from domain.policy import Policy
from domain.protection import Protection
from domain.values import ActionType
from tests.domain.factories import T0, agreement, at, automatable_policy, configured, evaluated

VIOLATING = ModelVerdict(True, "spam", ("SP1",), 0.97, "A link farm.")
UNSURE = ModelVerdict(True, "spam", ("SP1",), 0.6, "Maybe a link farm.")
SAFE = ModelVerdict(False, "none", (), 0.9, "A recipe.")
FAILED = FailedClassification("invalid JSON from the model: 'Sure!'")


def rule_in(mode: AutomationMode, policy: Policy | None = None) -> AutomationRule:
    rule = evaluated(configured())
    rule.set_mode(mode, "test", policy or automatable_policy(), "policy:dan", at(minutes=3), agreement())
    return rule


@pytest.mark.parametrize("verdict", [VIOLATING, SAFE, FAILED])
def test_in_shadow_every_verdict_is_only_recorded(verdict: ModelVerdict | FailedClassification) -> None:
    plan = plan_action(rule_in(AutomationMode.SHADOW), automatable_policy(), verdict, None)
    assert plan.outcome is AutoOutcome.RECORDED


def test_in_assist_a_violation_goes_to_a_human_with_the_recommended_actions() -> None:
    plan = plan_action(rule_in(AutomationMode.ASSIST), automatable_policy(), VIOLATING, None)
    assert (plan.outcome, plan.actions) == (AutoOutcome.QUEUED, (ActionType.REMOVE,))


def test_in_auto_a_violation_at_the_threshold_is_decided_with_the_rules_actions() -> None:
    plan = plan_action(rule_in(AutomationMode.AUTO), automatable_policy(), VIOLATING, None)
    assert (plan.outcome, plan.actions) == (AutoOutcome.DECIDED, (ActionType.REMOVE,))


@pytest.mark.parametrize("mode", [AutomationMode.ASSIST, AutomationMode.AUTO])
def test_a_failed_classification_goes_to_a_human_never_to_an_action(mode: AutomationMode) -> None:
    plan = plan_action(rule_in(mode), automatable_policy(), FAILED, None)
    assert plan.outcome is AutoOutcome.QUEUED
    assert "invalid JSON" in plan.reason


def test_in_auto_a_safe_verdict_changes_nothing() -> None:
    assert plan_action(rule_in(AutomationMode.AUTO), automatable_policy(), SAFE, None).outcome is AutoOutcome.RECORDED


def test_in_auto_a_violation_below_the_threshold_goes_to_a_human() -> None:
    plan = plan_action(rule_in(AutomationMode.AUTO), automatable_policy(), UNSURE, None)
    assert plan.outcome is AutoOutcome.QUEUED
    assert "below the threshold 0.9" in plan.reason


def test_in_auto_a_protected_account_goes_to_a_human() -> None:
    protection = Protection.protect_new("acct-1", "partner", "policy:carol", T0)
    plan = plan_action(rule_in(AutomationMode.AUTO), automatable_policy(), VIOLATING, protection)
    assert plan.outcome is AutoOutcome.QUEUED
    assert "protected" in plan.reason and "partner" in plan.reason


def test_in_auto_an_unprotected_account_is_decided() -> None:
    protection = Protection.protect_new("acct-1", "partner", "policy:carol", T0)
    protection.unprotect("contract ended", "policy:carol", at(days=1))
    plan = plan_action(rule_in(AutomationMode.AUTO), automatable_policy(), VIOLATING, protection)
    assert plan.outcome is AutoOutcome.DECIDED


def test_in_auto_an_action_the_policy_has_since_forbidden_goes_to_a_human() -> None:
    rule = rule_in(AutomationMode.AUTO)
    policy = automatable_policy()
    policy.revise(
        replace(policy.terms, never_automated=(ActionType.SUSPEND_ACCOUNT, ActionType.REMOVE)), "policy:carol", at(9)
    )
    plan = plan_action(rule, policy, VIOLATING, None)
    assert plan.outcome is AutoOutcome.QUEUED
    assert "never lets automation take REMOVE" in plan.reason


def test_in_auto_a_zero_tolerance_policy_goes_to_a_human() -> None:
    policy = automatable_policy()
    rule = rule_in(AutomationMode.AUTO, policy)
    policy.revise(replace(policy.terms, zero_tolerance=True), "policy:carol", at(9))
    assert plan_action(rule, policy, VIOLATING, None).outcome is AutoOutcome.QUEUED

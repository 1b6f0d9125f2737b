"""AutomationRule: configured OFF, moved between modes with reasons, promoted to AUTO only on sufficient evidence."""

from dataclasses import replace
from typing import Any

import pytest

from domain.automation import (
    AutomationMode,
    AutomationRule,
    Caps,
    InsufficientEvidence,
    LaunchCriteria,
    ModelRoute,
)
from domain.errors import ConflictError, ValidationError
from domain.values import ActionType
from tests.domain.factories import (
    MODEL,
    T0,
    agreement,
    at,
    automatable_policy,
    configured,
    evaluated,
    figures,
    guidance,
    items,
    published_policy,
    settings,
    terms,
)


def test_a_configured_rule_starts_off_with_the_default_launch_criteria() -> None:
    rule = AutomationRule.configure(automatable_policy(), settings(), "policy:carol", T0)

    (event,) = rule.collect_events()

    assert isinstance(event, AutomationRule.Configured)
    assert rule.id == AutomationRule.create_id("trust_safety", "spam", MODEL)
    assert rule.mode is AutomationMode.OFF
    assert (rule.policy_version, rule.evaluation) == (1, None)
    assert rule.settings.launch_criteria == LaunchCriteria(150, 0.95, 0.80, 0.80)
    assert (rule.settings.qa_sample_rate, rule.settings.caps) == (0.02, Caps(5, 10_000))


@pytest.mark.parametrize("threshold", [0, -0.1, 1.01, 2, float("nan")])
def test_a_threshold_outside_zero_to_one_is_refused(threshold: float) -> None:
    with pytest.raises(ValidationError) as refused:
        AutomationRule.configure(automatable_policy(), settings(threshold=threshold), "policy:carol", T0)
    assert refused.value.field == "threshold"


def test_a_threshold_of_exactly_one_is_allowed() -> None:
    assert configured(threshold=1).settings.threshold == 1.0


@pytest.mark.parametrize(
    ("route", "field"),
    [
        (ModelRoute("gpt-4o"), "model"),
        (ModelRoute("openai/x", api_base="ftp://host/v1"), "apiBase"),
        (ModelRoute("openai/x", api_key_env="sk-live-123"), "apiKeyEnv"),
        (ModelRoute("openai/x", input_cost_per_token=-1), "inputCostPerToken"),
    ],
)
def test_a_model_route_that_is_not_provider_and_model_or_holds_a_key_is_refused(route: ModelRoute, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        AutomationRule.configure(automatable_policy(), settings(route=route), "policy:carol", T0)
    assert refused.value.field == field


def test_automation_may_not_take_an_action_the_policy_never_automates() -> None:
    with pytest.raises(ValidationError, match="never lets automation take SUSPEND_ACCOUNT"):
        AutomationRule.configure(
            automatable_policy(), settings(allowed_actions=(ActionType.SUSPEND_ACCOUNT,)), "policy:carol", T0
        )


def test_automation_may_not_take_an_action_the_policy_does_not_allow() -> None:
    with pytest.raises(ValidationError, match="does not allow LABEL"):
        AutomationRule.configure(automatable_policy(), settings(allowed_actions=(ActionType.LABEL,)), "policy:c", T0)


def test_a_policy_without_guidance_cannot_be_automated() -> None:
    with pytest.raises(ValidationError, match="has no guidance"):
        AutomationRule.configure(published_policy(), settings(), "policy:carol", T0)


def test_a_retired_policy_cannot_be_automated() -> None:
    policy = automatable_policy()
    policy.retire("merged", "policy:carol", T0)
    with pytest.raises(ConflictError):
        AutomationRule.configure(policy, settings(), "policy:carol", T0)


def test_moving_to_shadow_records_the_reason_and_approver() -> None:
    rule = configured()

    rule.set_mode(AutomationMode.SHADOW, "start measuring", automatable_policy(), "policy:dan", at(minutes=2))

    (event,) = rule.collect_events()
    assert isinstance(event, AutomationRule.ModeChanged)
    assert (event.mode, event.previous, event.reason, event.actor) == ("SHADOW", "OFF", "start measuring", "policy:dan")
    assert rule.mode is AutomationMode.SHADOW


def test_the_same_mode_again_records_nothing() -> None:
    rule = configured()
    rule.set_mode(AutomationMode.OFF, "no change", automatable_policy(), "policy:dan", T0)
    assert rule.collect_events() == []


def test_auto_without_an_evaluation_is_refused() -> None:
    rule = configured()
    with pytest.raises(InsufficientEvidence, match="no evaluation"):
        rule.set_mode(AutomationMode.AUTO, "launch", automatable_policy(), "policy:dan", T0, agreement())
    assert rule.collect_events() == []
    assert rule.mode is AutomationMode.OFF


def test_auto_without_shadow_agreement_is_refused_whatever_the_evaluation() -> None:
    rule = evaluated(configured())
    with pytest.raises(InsufficientEvidence, match="no shadow agreement of v1") as refused:
        rule.set_mode(AutomationMode.AUTO, "launch", automatable_policy(), "policy:dan", T0)
    assert [(s.evidence, s.criterion) for s in refused.value.shortfalls] == [("shadow agreement", "present")]
    assert rule.collect_events() == []


@pytest.mark.parametrize(
    ("changes", "shortfall"),
    [
        ({"samples": 149}, "samples 149 < 150"),
        ({"precision": 0.94}, "precision 0.94 < 0.95"),
        ({"recall": 0.7}, "recall 0.7 < 0.8"),
        ({"kappa": 0.79}, "kappa 0.79 < 0.8"),
    ],
)
def test_auto_on_evidence_short_of_the_criteria_is_refused_naming_each_criterion_that_falls_short(
    changes: dict[str, Any], shortfall: str
) -> None:
    rule = evaluated(configured(), **changes)
    with pytest.raises(InsufficientEvidence) as refused:
        rule.set_mode(AutomationMode.AUTO, "launch", automatable_policy(), "policy:dan", at(minutes=3),
                      agreement(**changes))
    assert [s.message for s in refused.value.shortfalls] == [f"evaluation {shortfall}", f"shadow agreement {shortfall}"]
    assert shortfall in refused.value.message
    assert rule.collect_events() == []


def test_a_shortfall_carries_the_figure_and_the_criterion_it_misses() -> None:
    rule = evaluated(configured())
    with pytest.raises(InsufficientEvidence) as refused:
        rule.set_mode(AutomationMode.AUTO, "launch", automatable_policy(), "policy:dan", T0, agreement(kappa=0.6))
    [shortfall] = refused.value.shortfalls
    assert (shortfall.evidence, shortfall.criterion, shortfall.value, shortfall.required) == (
        "shadow agreement", "kappa", 0.6, 0.8)


def test_auto_on_sufficient_evidence_records_both_figures_and_the_approver() -> None:
    rule = evaluated(configured())

    rule.set_mode(AutomationMode.AUTO, "golden set passed", automatable_policy(), "policy:dan", at(minutes=3),
                  agreement())

    (event,) = rule.collect_events()
    assert isinstance(event, AutomationRule.ModeChanged)
    assert (event.mode, event.actor) == (AutomationMode.AUTO, "policy:dan")
    assert (event.figures, event.agreement) == (figures(), agreement())
    assert rule.mode is AutomationMode.AUTO


def test_a_mode_other_than_auto_records_no_agreement() -> None:
    rule = evaluated(configured())
    rule.set_mode(AutomationMode.SHADOW, "measure", automatable_policy(), "policy:dan", T0, agreement())
    (event,) = rule.collect_events()
    assert isinstance(event, AutomationRule.ModeChanged)
    assert event.agreement is None


@pytest.mark.parametrize("stale", ["evaluation", "shadow agreement"])
def test_evidence_of_an_older_policy_version_does_not_allow_auto(stale: str) -> None:
    policy = automatable_policy()
    policy.revise(replace(policy.terms, text="A stricter text."), "policy:carol", at(minutes=1))
    rule = evaluated(configured(), policy_version=1 if stale == "evaluation" else 2)
    measured = agreement(policy_version=2 if stale == "evaluation" else 1)
    with pytest.raises(InsufficientEvidence, match="v2 is published") as refused:
        rule.set_mode(AutomationMode.AUTO, "launch", policy, "policy:dan", at(minutes=3), measured)
    assert [(s.evidence, s.criterion) for s in refused.value.shortfalls] == [(stale, "policy version")]


def test_a_new_policy_version_drops_an_auto_rule_to_shadow_saying_why() -> None:
    rule = evaluated(configured())
    policy = automatable_policy()
    rule.set_mode(AutomationMode.AUTO, "launch", policy, "policy:dan", at(minutes=3), agreement())
    rule.collect_events()
    policy.revise(replace(policy.terms, text="A stricter text."), "policy:carol", at(minutes=4))

    rule.follow_policy(policy, "system:automation", at(minutes=5))

    (event,) = rule.collect_events()
    assert isinstance(event, AutomationRule.Demoted)
    assert "v2 was published" in event.reason
    assert rule.mode is AutomationMode.SHADOW


def test_following_the_policy_it_was_evaluated_on_changes_nothing() -> None:
    rule = evaluated(configured())
    policy = automatable_policy()
    rule.set_mode(AutomationMode.AUTO, "launch", policy, "policy:dan", at(minutes=3), agreement())
    rule.collect_events()
    rule.follow_policy(policy, "system:automation", at(minutes=5))
    assert rule.collect_events() == []


def test_demoting_a_rule_not_in_auto_records_nothing() -> None:
    rule = configured()
    rule.demote("breaker", {"precision": 0.5}, "system:breaker", T0)
    assert rule.collect_events() == []


def test_reconfiguring_an_auto_rule_drops_it_to_shadow() -> None:
    rule = evaluated(configured())
    rule.set_mode(AutomationMode.AUTO, "launch", automatable_policy(), "policy:dan", at(minutes=3), agreement())
    rule.collect_events()

    rule.reconfigure(automatable_policy(), settings(threshold=0.8), "policy:dan", at(minutes=6))

    events = rule.collect_events()
    assert [type(e) for e in events] == [AutomationRule.Reconfigured, AutomationRule.Demoted]
    assert (rule.settings.threshold, rule.mode) == (0.8, AutomationMode.SHADOW)


def test_reconfiguring_with_the_same_settings_records_nothing() -> None:
    rule = configured()
    rule.reconfigure(automatable_policy(), settings(), "policy:dan", at(minutes=6))
    assert rule.collect_events() == []


def test_an_evaluation_counts_each_of_its_items() -> None:
    rule = configured()
    with pytest.raises(ValidationError):
        rule.record_evaluation(figures(samples=3), items(2), "cli:eval", T0)


def test_guidance_examples_may_cite_only_criteria_the_guidance_defines() -> None:
    bad = guidance().examples[0].__class__("text", True, ("SP9",), "why")
    with pytest.raises(ValidationError, match="SP9"):
        terms(guidance=guidance(examples=(bad, *guidance().examples[1:]))).validate()


def test_guidance_needs_four_to_six_examples() -> None:
    with pytest.raises(ValidationError, match="4 to 6"):
        terms(guidance=guidance(examples=guidance().examples[:3])).validate()


def test_a_fallback_that_is_not_provider_and_model_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        AutomationRule.configure(
            automatable_policy(), settings(route=ModelRoute(MODEL, fallbacks=("backup",))), "policy:carol", T0
        )
    assert refused.value.field == "fallbacks"

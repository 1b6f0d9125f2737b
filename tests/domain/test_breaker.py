"""The circuit breaker: QA samples drawn deterministically, people's judgments measured over a rolling window since
the rule was put in its mode, and a rule demoted to SHADOW when its precision or its provider fails it."""

from datetime import datetime
from uuid import UUID, uuid4

import pytest

from domain.automation import AutomationMode, AutomationRule
from domain.breaker import (
    MIN_JUDGMENTS,
    PROVIDER_FAILURES,
    JudgmentKind,
    RuleMonitor,
    rule_of_actor,
    sampled_for_qa,
    trip_if_breached,
)
from tests.domain.factories import agreement, at, automatable_policy, configured, evaluated


def auto_rule(minutes: float = 3) -> AutomationRule:
    rule = evaluated(configured())
    rule.set_mode(
        AutomationMode.AUTO, "launch", automatable_policy(), "policy:dan", at(minutes=minutes), agreement=agreement()
    )
    rule.collect_events()
    return rule


def judged(monitor: RuleMonitor, rule: AutomationRule, agreed: list[bool], decided: datetime) -> None:
    for n, agree in enumerate(agreed):
        monitor.judge(uuid4(), JudgmentKind.QA, agree, decided, rule.mode_changed_at, "reviewer:ann",
                      at(minutes=20 + n))


def test_qa_sampling_is_a_function_of_the_decision_id_at_about_the_rate() -> None:
    ids = [UUID(int=n) for n in range(4000)]

    drawn = [i for i in ids if sampled_for_qa(i, 0.02)]

    assert drawn == [i for i in ids if sampled_for_qa(i, 0.02)]
    assert 40 <= len(drawn) <= 120
    assert not any(sampled_for_qa(i, 0.0) for i in ids) and all(sampled_for_qa(i, 1.0) for i in ids)


def test_an_automated_decisions_actor_names_its_rule() -> None:
    rule_id = uuid4()

    assert rule_of_actor(f"automation:{rule_id}") == rule_id
    assert rule_of_actor("reviewer:ann") is None
    assert rule_of_actor("automation:not-a-uuid") is None


def test_precision_below_the_floor_trips_an_auto_rule_to_shadow_with_the_figures() -> None:
    rule = auto_rule()
    monitor = RuleMonitor.start(rule.id, "system", at(minutes=4))
    judged(monitor, rule, [True] * 7 + [False] * 3, at(minutes=10))

    figures = trip_if_breached(rule, monitor, "system:circuit-breaker", at(minutes=40))

    assert figures is not None and figures["cause"] == "precision"
    assert (figures["precision"], figures["judged"], figures["agreed"], figures["floor"]) == (0.7, 10, 7, 0.9)
    assert rule.mode is AutomationMode.SHADOW
    (event,) = rule.collect_events()
    assert isinstance(event, AutomationRule.Tripped)
    assert event.figures == figures and "rolling precision 0.700" in event.reason


def test_precision_at_the_floor_holds() -> None:
    rule = auto_rule()
    monitor = RuleMonitor.start(rule.id, "system", at(minutes=4))
    judged(monitor, rule, [True] * 9 + [False], at(minutes=10))

    assert trip_if_breached(rule, monitor, "system:circuit-breaker", at(minutes=40)) is None
    assert rule.mode is AutomationMode.AUTO


def test_too_few_judgments_measure_nothing_yet() -> None:
    rule = auto_rule()
    monitor = RuleMonitor.start(rule.id, "system", at(minutes=4))
    judged(monitor, rule, [False] * (MIN_JUDGMENTS - 1), at(minutes=10))

    assert trip_if_breached(rule, monitor, "system:circuit-breaker", at(minutes=40)) is None


def test_judgments_of_decisions_made_before_the_rule_was_promoted_again_do_not_count() -> None:
    rule = auto_rule(minutes=60)
    monitor = RuleMonitor.start(rule.id, "system", at(minutes=4))
    judged(monitor, rule, [False] * 12, at(minutes=10))

    assert monitor.precision(rule.mode_changed_at, at(minutes=70)).judged == 0
    assert trip_if_breached(rule, monitor, "system:circuit-breaker", at(minutes=70)) is None


def test_a_decision_judged_again_the_same_way_is_counted_once() -> None:
    rule = auto_rule()
    monitor = RuleMonitor.start(rule.id, "system", at(minutes=4))
    decision = uuid4()
    for _ in range(2):
        monitor.judge(decision, JudgmentKind.APPEAL, False, at(minutes=10), rule.mode_changed_at, "appeals:bo",
                      at(minutes=20))

    assert monitor.precision(rule.mode_changed_at, at(minutes=30)).judged == 1


@pytest.mark.parametrize("mode", [AutomationMode.ASSIST, AutomationMode.AUTO])
def test_a_provider_failing_again_and_again_trips_the_rule(mode: AutomationMode) -> None:
    rule = evaluated(configured())
    rule.set_mode(mode, "launch", automatable_policy(), "policy:dan", at(minutes=3), agreement=agreement())
    monitor = RuleMonitor.start(rule.id, "system", at(minutes=4))
    monitor.provider_failed(PROVIDER_FAILURES - 1, "Timeout: timed out", rule.mode_changed_at, "svc", at(minutes=5))
    assert trip_if_breached(rule, monitor, "system:circuit-breaker", at(minutes=5)) is None

    monitor.provider_failed(1, "RateLimitError: 429", rule.mode_changed_at, "svc", at(minutes=6))
    figures = trip_if_breached(rule, monitor, "system:circuit-breaker", at(minutes=6))

    assert figures is not None and (figures["cause"], figures["failures"]) == ("provider", PROVIDER_FAILURES)
    assert rule.mode is AutomationMode.SHADOW


def test_failures_spread_beyond_the_window_do_not_trip() -> None:
    rule = auto_rule()
    monitor = RuleMonitor.start(rule.id, "system", at(minutes=4))
    for n in range(PROVIDER_FAILURES):
        monitor.provider_failed(1, "InternalServerError: 500", rule.mode_changed_at, "svc", at(minutes=5 + 2 * n))

    assert trip_if_breached(rule, monitor, "system:circuit-breaker", at(minutes=5 + 2 * PROVIDER_FAILURES)) is None


def test_a_rule_in_shadow_is_not_tripped() -> None:
    rule = evaluated(configured())
    rule.set_mode(AutomationMode.SHADOW, "watch", automatable_policy(), "policy:dan", at(minutes=3))
    monitor = RuleMonitor.start(rule.id, "system", at(minutes=4))
    monitor.provider_failed(PROVIDER_FAILURES, "Timeout", rule.mode_changed_at, "svc", at(minutes=5))

    assert trip_if_breached(rule, monitor, "system:circuit-breaker", at(minutes=5)) is None

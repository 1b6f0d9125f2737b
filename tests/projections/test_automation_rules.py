"""The automation rules read model: each rule's settings, mode and evidence, and live figures of what it did."""

from dataclasses import replace

import pytest

from app.read.store import ReadStore
from domain.automation import AutomationMode, AutomationRule
from domain.case import Case
from domain.detection import Detection
from domain.values import DetectionSource, Subject
from projections.automation_rules.projection import AutomationRulesProjection
from projections.automation_rules.queries import list_rules
from projections.automation_rules.rows import RuleFigures, rule_row
from tests.domain.factories import (
    MODEL,
    T0,
    agreement,
    at,
    automatable_policy,
    decision_id,
    facts,
    figures,
    items,
    settings,
    violating,
)
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_one_and_many


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, AutomationRulesProjection())


def configured_rule(model: str = MODEL) -> AutomationRule:
    return AutomationRule.configure(automatable_policy(), settings(route=replace(settings().route, model=model)),
                                    "policy:carol", T0)


def verdict(rule: AutomationRule, name: str, outcome: str, failed: bool = False, violation: int = 1) -> Detection:
    record: dict[str, object] = {"rule": str(rule.id), "mode": str(rule.mode), "model": MODEL, "outcome": outcome}
    record |= {"failed": "invalid JSON"} if failed else {"verdict": {"violation": violation, "confidence": 0.95}}
    return Detection.record(
        facts(source=DetectionSource.LLM, external_id=f"auto-{name}", subject=Subject("trust_safety", "pin", name),
              evidence={"automation": record}),
        1, "svc:pipeline", at(minutes=5),
    )


def test_a_configured_rule_is_listed_off_with_its_settings(feed: Feed) -> None:
    rule = configured_rule()
    feed.save(rule)

    [row] = feed.read(list_rules, None, None)

    assert row == replace(rule_row(rule, 1, RuleFigures()), mode_changed_at=T0, configured_at=T0)
    assert (row.mode, row.model, row.settings) == ("OFF", MODEL, settings())


def test_mode_changes_evaluations_and_demotions_are_shown_with_their_reasons(feed: Feed) -> None:
    rule = configured_rule()
    rule.record_evaluation(figures(), items(160), "cli:eval", at(minutes=1))
    rule.set_mode(AutomationMode.AUTO, "golden set passed", automatable_policy(), "policy:dan", at(minutes=3),
                  agreement())
    feed.save(rule)
    [row] = feed.read(list_rules, "spam", None)
    assert (row.mode, row.mode_reason, row.mode_changed_by) == ("AUTO", "golden set passed", "policy:dan")
    assert (row.evaluation, row.evaluated_at) == (figures(), at(minutes=1))

    rule.demote("precision fell to 0.7", {"precision": 0.7}, "system:breaker", at(minutes=9))
    feed.save(rule)

    [row] = feed.read(list_rules, "spam", None)
    assert (row.mode, row.mode_reason, row.mode_changed_by) == ("SHADOW", "precision fell to 0.7", "system:breaker")


def test_a_rules_verdicts_failures_queued_cases_and_decisions_are_counted(feed: Feed) -> None:
    rule = configured_rule()
    feed.save(rule)
    decided_alone = verdict(rule, "pin-1", "DECIDED")
    case = Case.open(decided_alone.facts.subject, "acct-1", f"automation:{rule.id}", at(minutes=6))
    case.decide(decision_id("auto"), automatable_policy(), violating(), [decided_alone], None, f"automation:{rule.id}",
                at(minutes=6))
    case.decide(decision_id("human"), automatable_policy(), violating(), [], None, "reviewer:alice", at(minutes=7))

    feed.save(decided_alone, verdict(rule, "pin-2", "QUEUED"), verdict(rule, "pin-3", "QUEUED", failed=True),
               verdict(rule, "pin-4", "RECORDED", violation=0), case)

    [row] = feed.read(list_rules, None, None)
    assert row.figures == RuleFigures(verdicts=4, violations=2, failures=1, queued=2, decided=1)


def test_a_detection_no_rule_recorded_counts_for_none(feed: Feed) -> None:
    rule = configured_rule()
    feed.save(rule, Detection.record(facts(evidence={"automation": {"rule": str(rule.id)}}), 1, "svc", T0))
    [row] = feed.read(list_rules, None, None)
    assert row.figures == RuleFigures()


def test_rules_are_listed_by_policy_within_the_domains_asked_about(feed: Feed) -> None:
    feed.save(configured_rule("openai/b"), configured_rule("openai/a"))

    assert [r.model for r in feed.read(list_rules, None, None)] == ["openai/a", "openai/b"]
    assert feed.read(list_rules, "harassment", None) == []
    assert feed.read(list_rules, None, frozenset({"ads"})) == []


def test_a_batch_costs_the_same_statements_however_many_rules_it_changes(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, AutomationRulesProjection(), _rule_work)

    assert one == many


def _rule_work(items: range) -> list[object]:
    """Each rule configured, moved to SHADOW, and a verdict of it recorded."""
    events: list[object] = []
    for i in items:
        rule = configured_rule(f"openai/model-{i}")
        rule.set_mode(AutomationMode.SHADOW, "measure", automatable_policy(), "policy:dan", at(minutes=1))
        events += [*rule.collect_events(), *verdict(rule, f"pin-{i}", "RECORDED").collect_events()]
    return events

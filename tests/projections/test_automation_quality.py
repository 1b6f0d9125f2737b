"""The automation quality read model: QA samples, judgments, the rolling window, provider failures and the breaker."""

from uuid import UUID, uuid4

import pytest

from app.read.store import ReadStore
from domain.automation import AutomationMode, AutomationRule
from domain.breaker import JudgmentKind, QaSample, RuleMonitor, trip_if_breached
from domain.values import Subject
from projections.automation_quality.projection import AutomationQualityProjection
from projections.automation_quality.queries import rule_quality
from projections.automation_quality.rows import QualityRow
from tests.domain.factories import agreement, at, automatable_policy, configured, evaluated
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_one_and_many


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, AutomationQualityProjection())


def auto_rule() -> AutomationRule:
    rule = evaluated(configured())
    rule.set_mode(
        AutomationMode.AUTO, "launch", automatable_policy(), "policy:dan", at(minutes=3), agreement=agreement()
    )
    return rule


def sample(rule: AutomationRule, name: str) -> QaSample:
    subject = Subject("trust_safety", "pin", name)
    return QaSample.draw(uuid4(), rule.id, uuid4(), subject, "acct-1", "spam", f"automation:{rule.id}", at(minutes=5))


def judge(monitor: RuleMonitor, rule: AutomationRule, agreed: bool, kind: JudgmentKind = JudgmentKind.QA) -> None:
    monitor.judge(uuid4(), kind, agreed, at(minutes=5), rule.mode_changed_at, "reviewer:ann", at(minutes=10))


def test_samples_judgments_and_failures_are_counted_and_the_window_shown(feed: Feed) -> None:
    rule = auto_rule()
    monitor = RuleMonitor.start(rule.id, "reviewer:ann", at(minutes=4))
    for agreed in (True, True, False):
        judge(monitor, rule, agreed)
    judge(monitor, rule, False, JudgmentKind.APPEAL)
    monitor.provider_failed(2, "Timeout", rule.mode_changed_at, "svc", at(minutes=11))

    feed.save(rule, sample(rule, "pin-1"), sample(rule, "pin-2"), monitor)

    row = feed.read(rule_quality)[str(rule.id)]
    assert row == QualityRow(str(rule.id), qa_sampled=2, qa_judged=3, qa_disagreed=1, overturned=1, window_judged=4,
                             window_agreed=2, provider_failures=2)
    assert row.rolling_precision == 0.5


def test_a_trip_is_shown_with_its_figures_until_a_person_puts_the_rule_in_a_mode_again(feed: Feed) -> None:
    rule = auto_rule()
    monitor = RuleMonitor.start(rule.id, "reviewer:ann", at(minutes=4))
    for n in range(10):
        judge(monitor, rule, n < 5)
    figures = trip_if_breached(rule, monitor, "system:circuit-breaker", at(minutes=12))
    feed.save(rule, monitor)

    tripped = feed.read(rule_quality)[str(rule.id)]
    assert (tripped.breaker, tripped.tripped_at, tripped.trip_figures) == ("TRIPPED", at(minutes=12), figures)
    assert tripped.trip_reason is not None and "0.500" in tripped.trip_reason

    rule.set_mode(
        AutomationMode.AUTO, "fixed the prompt", automatable_policy(), "policy:dan", at(minutes=20),
        agreement=agreement(),
    )
    feed.save(rule)

    closed = feed.read(rule_quality)[str(rule.id)]
    assert (closed.breaker, closed.window_judged, closed.rolling_precision, closed.qa_judged) == ("CLOSED", 0, None, 10)


def test_a_batch_costs_the_same_statements_however_many_rules_it_changes(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, AutomationQualityProjection(), _quality_work)

    assert one == many


def _quality_work(items: range) -> list[object]:
    """Each rule's decision sampled, judged, and its provider failing once."""
    events: list[object] = []
    for i in items:
        rule_id = UUID(int=i)
        rule = auto_rule()
        qa = QaSample.draw(uuid4(), rule_id, uuid4(), Subject("trust_safety", "pin", f"p{i}"), None, "spam", "a",
                           at(minutes=5))
        monitor = RuleMonitor.start(rule_id, "a", at(minutes=5))
        monitor.judge(uuid4(), JudgmentKind.QA, True, at(minutes=5), rule.mode_changed_at, "a", at(minutes=6))
        monitor.provider_failed(1, "Timeout", rule.mode_changed_at, "a", at(minutes=7))
        events += [*qa.collect_events(), *monitor.collect_events()]
    return events

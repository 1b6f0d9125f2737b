"""Decision counts per domain, policy, UTC day, outcome and automation level."""

from datetime import UTC, date, datetime

import pytest

from app.read.store import ReadStore
from domain.case import Case
from domain.policy import Policy
from domain.values import AutomationLevel, Subject
from projections.decisions_by_policy.projection import DecisionsByPolicyProjection
from projections.decisions_by_policy.queries import decision_counts
from tests.domain.factories import (
    DOMAIN,
    T0,
    decision_id,
    not_violating,
    terms,
    violating,
)
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_one_and_many

DAY_1 = datetime(2026, 3, 2, 23, 59, tzinfo=UTC)
DAY_2 = datetime(2026, 3, 3, 0, 1, tzinfo=UTC)


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, DecisionsByPolicyProjection())


@pytest.fixture
def spam(feed: Feed) -> Policy:
    policy = Policy.publish(DOMAIN, "spam", terms(), "policy:carol", T0)
    policy.collect_events()
    return policy


def decide(feed: Feed, policy: Policy, subject_id: str, name: str, when: datetime, outcome: str = "VIOLATING",
           automation: AutomationLevel = AutomationLevel.NOT_AUTOMATED, case: Case | None = None) -> Case:
    case = case or Case.open(Subject(policy.domain, "pin", subject_id), "acct-1", "reviewer:alice", when)
    verdict = violating(automation=automation) if outcome == "VIOLATING" else not_violating(automation=automation)
    case.decide(decision_id(name), policy, verdict, [], None, "reviewer:alice", when)
    feed.save(case)
    return case


def counts(feed: Feed, domain: str = DOMAIN, policy: str | None = None, first: date | None = None,
           last: date | None = None) -> list[tuple[str, str, str, str, int, int, int]]:
    return [
        (r.policy_key, r.day.isoformat(), r.outcome, r.automation, r.decisions, r.superseded, r.reversed)
        for r in feed.read(decision_counts, domain, policy, first, last)
    ]


def test_decisions_count_per_utc_day_outcome_and_automation(feed: Feed, spam: Policy) -> None:
    decide(feed, spam, "p1", "1", DAY_1)
    decide(feed, spam, "p2", "2", DAY_1)
    decide(feed, spam, "p3", "3", DAY_1, automation=AutomationLevel.FULLY)
    decide(feed, spam, "p4", "4", DAY_2, outcome="NOT_VIOLATING")

    assert counts(feed) == [
        ("spam", "2026-03-02", "VIOLATING", "FULLY", 1, 0, 0),
        ("spam", "2026-03-02", "VIOLATING", "NOT_AUTOMATED", 2, 0, 0),
        ("spam", "2026-03-03", "NOT_VIOLATING", "NOT_AUTOMATED", 1, 0, 0),
    ]


def test_supersessions_and_reversals_count_against_the_day_the_decision_was_made(feed: Feed, spam: Policy) -> None:
    case = decide(feed, spam, "p1", "first", DAY_1)
    decide(feed, spam, "p1", "second", DAY_2, case=case)
    case.reverse_actions(decision_id("second"), "Appeal overturned.", "reviewer:bo", DAY_2)
    feed.save(case)

    assert counts(feed) == [
        ("spam", "2026-03-02", "VIOLATING", "NOT_AUTOMATED", 1, 1, 0),
        ("spam", "2026-03-03", "VIOLATING", "NOT_AUTOMATED", 1, 0, 1),
    ]


def test_counts_are_read_per_domain_policy_and_range_of_days(feed: Feed, spam: Policy) -> None:
    hate = Policy.publish(DOMAIN, "hate", terms(), "policy:carol", T0)
    ads = Policy.publish("ads", "spam", terms(), "policy:carol", T0)
    decide(feed, spam, "p1", "1", DAY_1)
    decide(feed, hate, "p2", "2", DAY_2)
    decide(feed, ads, "a1", "3", DAY_2)

    assert [c[0] for c in counts(feed)] == ["spam", "hate"]
    assert [c[0] for c in counts(feed, policy="hate")] == ["hate"]
    assert [c[1] for c in counts(feed, first=DAY_2.date())] == ["2026-03-03"]
    assert [c[1] for c in counts(feed, last=DAY_1.date())] == ["2026-03-02"]
    assert counts(feed, "ads") == [("spam", "2026-03-03", "VIOLATING", "NOT_AUTOMATED", 1, 0, 0)]
    assert counts(feed, "shopping") == []


def _decision_work(cases: range) -> list[object]:
    """Each case opened, decided, decided again (superseding the first) and the second decision reversed."""
    policy = Policy.publish(DOMAIN, "spam", terms(), "policy:carol", T0)
    events: list[object] = []
    for i in cases:
        case = Case.open(Subject(DOMAIN, "pin", f"p{i}"), "acct-1", "reviewer:alice", DAY_1)
        case.decide(decision_id(f"{i}-1"), policy, violating(), [], None, "reviewer:alice", DAY_1)
        again = case.decide(decision_id(f"{i}-2"), policy, not_violating(), [], None, "reviewer:bo", DAY_2)
        case.reverse_actions(again.decision_id, "Appeal overturned.", "reviewer:bo", DAY_2)
        events += case.collect_events()
    return events


def test_a_batch_costs_the_same_statements_however_many_decisions_it_counts(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, DecisionsByPolicyProjection(), _decision_work)

    assert one == many

"""The shadow agreement read model: a rule's verdicts beside the human decisions later made on their cases, scored
per policy version with scikit-learn."""

from typing import Any

import pytest

from app.read.store import ReadStore
from domain.automation import AgreementFigures, AutomationRule
from domain.case import Case
from domain.detection import Detection
from domain.values import AutomationLevel, DetectionSource, Subject
from projections.shadow_agreement.projection import ShadowAgreementProjection
from projections.shadow_agreement.queries import agreements, capped_counts, verdicts_between
from tests.domain.factories import (
    T0,
    at,
    automatable_policy,
    configured,
    decision_id,
    facts,
    not_violating,
    violating,
)
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_one_and_many


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, ShadowAgreementProjection())


RULE = configured()


def verdict(pin: str, violation: int | None, minutes: float = 1, version: int = 1, rule: AutomationRule = RULE,
            **record: Any) -> Detection:
    """The rule's verdict on a pin (None: a failed classification), recorded as its detection."""
    entry: dict[str, Any] = {"rule": str(rule.id), "mode": "SHADOW", "model": "openai/m", "outcome": "RECORDED",
                             "policy_version": version, **record}
    entry |= {"failed": "timeout"} if violation is None else {"verdict": {"violation": violation, "confidence": 0.9}}
    return Detection.record(
        facts(source=DetectionSource.LLM, external_id=f"auto-{pin}-{version}", subject=subject(pin),
              evidence={"automation": entry}, account_id=f"acct-{pin}"),
        1, "svc:auto", at(minutes=minutes),
    )


def subject(pin: str) -> Subject:
    return Subject("trust_safety", "pin", pin)


def human(pin: str, violates: bool, minutes: float = 5, actor: str = "reviewer:alice", **changes: Any) -> Case:
    case = Case.open(subject(pin), f"acct-{pin}", actor, at(minutes=minutes))
    verdict_ = violating(**changes) if violates else not_violating(**changes)
    case.decide(decision_id(f"{pin}-{minutes}"), automatable_policy(), verdict_, [], None, actor, at(minutes=minutes))
    return case


def test_a_verdict_waits_unanswered_until_a_human_decides_its_case(feed: Feed) -> None:
    feed.save(verdict("pin-1", 1))
    assert feed.read(agreements, [str(RULE.id)]) == {}
    [row] = feed.read(verdicts_between, str(RULE.id), T0, at(minutes=10))
    assert (row.violation, row.human, row.account_id) == (True, None, "acct-pin-1")

    feed.save(human("pin-1", True))

    [row] = feed.read(verdicts_between, str(RULE.id), T0, at(minutes=10))
    assert (row.human, row.decided_at) == (True, at(minutes=5))


def test_agreement_is_scored_against_human_decisions_with_a_confusion_matrix_and_kappa(feed: Feed) -> None:
    labels = {"a": (1, True), "b": (1, True), "c": (1, False), "d": (0, False), "e": (0, False), "f": (0, True),
              "g": (None, True), "h": (0, False)}
    feed.save(*(verdict(pin, v) for pin, (v, _) in labels.items()))
    feed.save(*(human(pin, h) for pin, (_, h) in labels.items()))

    [figures] = feed.read(agreements, [str(RULE.id)])[str(RULE.id)]

    # human violating: a, b, f, g (the rule said 1, 1, 0, failed); human not: c, d, e, h (the rule said 1, 0, 0, 0)
    assert figures == AgreementFigures(policy_version=1, samples=8, precision=round(2 / 3, 4), recall=0.5,
                                       kappa=0.25, confusion=((3, 1), (2, 2)),
                                       position=0)  # the feed tracks no position; the projector does


def test_the_latest_human_decision_is_the_label_and_an_automated_or_earlier_one_is_not(feed: Feed) -> None:
    early = human("pin-1", True, minutes=0)
    feed.save(early, verdict("pin-1", 1, minutes=1))
    automated = human("pin-2", True, minutes=2, actor=f"automation:{RULE.id}", automation=AutomationLevel.FULLY)
    feed.save(verdict("pin-2", 1), automated)
    assert feed.read(agreements, [str(RULE.id)]) == {}

    redecided = Case.open(subject("pin-1"), "acct-pin-1", "reviewer:bo", at(minutes=3))
    redecided.decide(decision_id("again"), automatable_policy(), not_violating(), [], None, "reviewer:bo",
                     at(minutes=3))
    feed.save(redecided)

    [figures] = feed.read(agreements, [str(RULE.id)])[str(RULE.id)]
    assert (figures.samples, figures.confusion) == (1, ((0, 1), (0, 0)))


def test_a_verdict_and_its_human_decision_in_one_batch_are_paired(feed: Feed) -> None:
    feed.save(verdict("pin-1", 1), human("pin-1", True))
    [figures] = feed.read(agreements, [str(RULE.id)])[str(RULE.id)]
    assert figures.confusion == ((0, 0), (0, 1))


def test_each_policy_version_has_its_own_agreement_newest_first(feed: Feed) -> None:
    feed.save(verdict("pin-1", 1, version=1), verdict("pin-2", 0, version=2), verdict("pin-3", 1, version=2))
    feed.save(human("pin-1", True), human("pin-2", False), human("pin-3", True))

    found = feed.read(agreements, [str(RULE.id)])[str(RULE.id)]

    assert [(f.policy_version, f.samples) for f in found] == [(2, 2), (1, 1)]


def test_decisions_that_caps_sent_to_a_human_are_counted_per_rule_and_cap(feed: Feed) -> None:
    feed.save(verdict("pin-1", 1, outcome="QUEUED", capped="perDay"),
              verdict("pin-2", 1, outcome="QUEUED", capped="perDay"),
              verdict("pin-3", 1, outcome="QUEUED", capped="perAccountPerHour"), verdict("pin-4", 1))

    assert feed.read(capped_counts) == [(str(RULE.id), "spam", "perAccountPerHour", 1),
                                        (str(RULE.id), "spam", "perDay", 2)]


def test_a_batch_costs_the_same_statements_however_many_verdicts_it_pairs(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, ShadowAgreementProjection(), _work)
    assert one == many


def _work(items: range) -> list[object]:
    events: list[object] = []
    for i in items:
        events += [*verdict(f"pin-{i}", 1).collect_events(), *human(f"pin-{i}", True).collect_events()]
    return events

"""The review queue read model: what waits for review, in what order, and when it leaves and returns."""

from datetime import timedelta

import pytest

from app.read.store import ReadStore
from domain.case import Case
from domain.detection import Detection
from domain.policy import Policy
from domain.values import Severity, Subject
from projections.review_queue.projection import ReviewQueueProjection
from projections.review_queue.queries import review_queue
from projections.review_queue.rows import QueueEntryRow
from tests.domain.factories import (
    DOMAIN,
    T0,
    at,
    decision_id,
    facts,
    not_violating,
    terms,
    violating,
)
from tests.projections.feed import Feed


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, ReviewQueueProjection())


def publish(feed: Feed, key: str, severity: Severity, domain: str = DOMAIN) -> Policy:
    policy = Policy.publish(domain, key, terms(severity=severity), "policy:carol", T0)
    feed.save(policy)
    return policy


def pin(id: str, domain: str = DOMAIN) -> Subject:
    return Subject(domain, "pin", id)


def detect(
    feed: Feed, subject: Subject, policy: str, confidence: float, external_id: str, minutes: float = 0,
    account: str | None = "acct-1",
) -> Detection:
    detection = Detection.record(
        facts(subject=subject, policy_key=policy, confidence=confidence, external_id=external_id,
              detected_at=at(minutes=minutes), account_id=account),
        1, "svc:classifier", at(minutes=minutes + 1),
    )
    feed.save(detection)
    return detection


def queue(feed: Feed, domain: str | None = None, policy: str | None = None) -> list[QueueEntryRow]:
    return feed.read(review_queue, None if domain is None else [domain], policy, None, 500)


def keys(rows: list[QueueEntryRow]) -> list[tuple[str, str]]:
    return [(r.subject.id, r.policy_key) for r in rows]


def test_an_empty_ledger_has_an_empty_queue(feed: Feed) -> None:
    assert queue(feed) == []


def test_a_detection_queues_its_case_and_policy_with_the_policy_severity(feed: Feed) -> None:
    publish(feed, "spam", Severity.MEDIUM)
    detection = detect(feed, pin("p1"), "spam", 0.8, "d1", minutes=5)

    [entry] = queue(feed)

    assert entry.case_id == str(Case.create_id(pin("p1")))
    assert (entry.subject, entry.account_id, entry.policy_key) == (pin("p1"), "acct-1", "spam")
    assert (entry.severity, entry.max_confidence, entry.detections) == ("MEDIUM", 0.8, 1)
    assert (entry.oldest_detected_at, entry.enqueued_at) == (
        at(minutes=5), detection.facts.detected_at + timedelta(minutes=1),
    )


def test_further_detections_raise_the_confidence_count_up_and_keep_the_oldest_moment(feed: Feed) -> None:
    publish(feed, "spam", Severity.MEDIUM)
    detect(feed, pin("p1"), "spam", 0.6, "d1", minutes=10, account=None)
    detect(feed, pin("p1"), "spam", 0.9, "d2", minutes=3)
    detect(feed, pin("p1"), "spam", 0.7, "d3", minutes=20)

    [entry] = queue(feed)

    assert (entry.max_confidence, entry.detections, entry.oldest_detected_at) == (0.9, 3, at(minutes=3))
    assert entry.account_id == "acct-1"  # learned from a later detection


def test_the_most_severe_policy_comes_first_then_the_highest_confidence_then_the_longest_waiting(feed: Feed) -> None:
    for key, severity in [("nudity", Severity.LOW), ("spam", Severity.MEDIUM), ("hate", Severity.HIGH),
                          ("csam", Severity.CRITICAL)]:
        publish(feed, key, severity)
    detect(feed, pin("low-sure"), "nudity", 0.99, "d1")
    detect(feed, pin("med-late"), "spam", 0.9, "d2", minutes=30)
    detect(feed, pin("med-early"), "spam", 0.9, "d3", minutes=10)
    detect(feed, pin("med-unsure"), "spam", 0.5, "d4")
    detect(feed, pin("high"), "hate", 0.7, "d5")
    detect(feed, pin("crit-unsure"), "csam", 0.3, "d6")
    detect(feed, pin("crit-sure"), "csam", 0.95, "d7")

    assert keys(queue(feed)) == [
        ("crit-sure", "csam"), ("crit-unsure", "csam"), ("high", "hate"), ("med-early", "spam"),
        ("med-late", "spam"), ("med-unsure", "spam"), ("low-sure", "nudity"),
    ]


def test_a_case_leaves_the_queue_when_decided_under_the_policy(feed: Feed) -> None:
    spam = publish(feed, "spam", Severity.MEDIUM)
    publish(feed, "hate", Severity.HIGH)
    detect(feed, pin("p1"), "spam", 0.9, "d1")
    detect(feed, pin("p1"), "hate", 0.4, "d2")
    detect(feed, pin("p2"), "spam", 0.5, "d3")

    case = Case.open(pin("p1"), "acct-1", "reviewer:alice", at(60))
    case.decide(decision_id("p1-spam"), spam, violating(), [], None, "reviewer:alice", at(60))
    feed.save(case)

    assert keys(queue(feed)) == [("p1", "hate"), ("p2", "spam")]


def test_a_detection_under_a_decided_policy_does_not_bring_the_case_back(feed: Feed) -> None:
    spam = publish(feed, "spam", Severity.MEDIUM)
    detect(feed, pin("p1"), "spam", 0.9, "d1")
    case = Case.open(pin("p1"), "acct-1", "reviewer:alice", at(60))
    case.decide(decision_id("1"), spam, not_violating(), [], None, "reviewer:alice", at(60))
    feed.save(case)

    detect(feed, pin("p1"), "spam", 0.99, "d2", minutes=90)

    assert queue(feed) == []


def test_a_detection_under_an_undecided_policy_returns_a_decided_case(feed: Feed) -> None:
    spam = publish(feed, "spam", Severity.MEDIUM)
    publish(feed, "hate", Severity.HIGH)
    detect(feed, pin("p1"), "spam", 0.9, "d1")
    case = Case.open(pin("p1"), "acct-1", "reviewer:alice", at(60))
    case.decide(decision_id("1"), spam, violating(), [], None, "reviewer:alice", at(60))
    feed.save(case)
    assert queue(feed) == []

    detect(feed, pin("p1"), "hate", 0.6, "d2", minutes=90)

    [entry] = queue(feed)
    assert (entry.subject.id, entry.policy_key, entry.detections, entry.severity) == ("p1", "hate", 1, "HIGH")


def test_after_its_actions_are_reversed_a_new_detection_queues_the_policy_again(feed: Feed) -> None:
    spam = publish(feed, "spam", Severity.MEDIUM)
    detect(feed, pin("p1"), "spam", 0.9, "d1")
    case = Case.open(pin("p1"), "acct-1", "reviewer:alice", at(60))
    made = case.decide(decision_id("1"), spam, violating(), [], None, "reviewer:alice", at(60))
    feed.save(case)
    detect(feed, pin("p1"), "spam", 0.8, "d2", minutes=70)
    assert queue(feed) == []

    case.reverse_actions(made.decision_id, "Appeal overturned.", "reviewer:bo", at(80))
    feed.save(case)
    assert queue(feed) == []  # a reversal settles the case until there is something new to review
    detect(feed, pin("p1"), "spam", 0.7, "d3", minutes=90)

    [entry] = queue(feed)
    assert (entry.detections, entry.max_confidence, entry.oldest_detected_at) == (1, 0.7, at(minutes=90))


def test_a_policy_revision_reranks_waiting_entries(feed: Feed) -> None:
    spam = publish(feed, "spam", Severity.LOW)
    publish(feed, "hate", Severity.MEDIUM)
    detect(feed, pin("p1"), "spam", 0.9, "d1")
    detect(feed, pin("p2"), "hate", 0.5, "d2")
    assert keys(queue(feed)) == [("p2", "hate"), ("p1", "spam")]

    spam.revise(terms(severity=Severity.CRITICAL), "policy:carol", at(days=1))
    feed.save(spam)

    rows = queue(feed)
    assert keys(rows) == [("p1", "spam"), ("p2", "hate")]
    assert rows[0].severity == "CRITICAL"


def test_entries_under_a_retired_policy_leave_the_queue_until_it_is_published_again(feed: Feed) -> None:
    spam = publish(feed, "spam", Severity.MEDIUM)
    publish(feed, "hate", Severity.HIGH)
    detect(feed, pin("p1"), "spam", 0.9, "d1")
    detect(feed, pin("p2"), "hate", 0.5, "d2")

    spam.retire("Merged into scams.", "policy:carol", at(days=1))
    feed.save(spam)
    assert keys(queue(feed)) == [("p2", "hate")]

    spam.revise(terms(severity=Severity.HIGH), "policy:carol", at(days=2))
    feed.save(spam)
    assert keys(queue(feed)) == [("p1", "spam"), ("p2", "hate")]


def test_the_queue_is_filtered_by_domain_and_policy(feed: Feed) -> None:
    publish(feed, "spam", Severity.MEDIUM)
    publish(feed, "hate", Severity.HIGH)
    publish(feed, "spam", Severity.HIGH, domain="ads")
    detect(feed, pin("p1"), "spam", 0.9, "d1")
    detect(feed, pin("p2"), "hate", 0.9, "d2")
    detect(feed, pin("a1", domain="ads"), "spam", 0.9, "d3")

    assert keys(queue(feed, DOMAIN)) == [("p2", "hate"), ("p1", "spam")]
    assert keys(queue(feed, DOMAIN, "spam")) == [("p1", "spam")]
    assert keys(queue(feed, "ads")) == [("a1", "spam")]
    assert keys(queue(feed, None, "spam")) == [("a1", "spam"), ("p1", "spam")]
    assert queue(feed, "shopping") == []


def test_pages_after_an_entry_continue_the_order_exactly_even_through_ties(feed: Feed) -> None:
    publish(feed, "spam", Severity.MEDIUM)
    publish(feed, "hate", Severity.HIGH)
    for i in range(7):  # ties on severity, confidence and detection moment, broken by case id
        detect(feed, pin(f"t{i}"), "spam", 0.8, f"t{i}")
        detect(feed, pin(f"h{i}"), "hate", 0.1 * i, f"h{i}", minutes=i)
    everything = queue(feed)

    pages, after = [], None
    while True:
        page = feed.read(review_queue, None, None, after, 3)
        pages.append(page)
        if len(page) < 3:
            break
        after = page[-1].sort_key

    assert [r for p in pages for r in p] == everything
    assert len(everything) == 14


def test_a_page_after_an_entry_that_has_since_left_starts_where_it_stood(feed: Feed) -> None:
    spam = publish(feed, "spam", Severity.MEDIUM)
    for i, confidence in enumerate([0.9, 0.8, 0.7]):
        detect(feed, pin(f"p{i}"), "spam", confidence, f"d{i}")
    first = feed.read(review_queue, None, None, None, 2)
    case = Case.open(pin("p1"), "acct-1", "reviewer:alice", at(60))
    case.decide(decision_id("1"), spam, violating(), [], None, "reviewer:alice", at(60))
    feed.save(case)

    rest = feed.read(review_queue, None, None, first[-1].sort_key, 2)

    assert keys(first) == [("p0", "spam"), ("p1", "spam")]
    assert keys(rest) == [("p2", "spam")]

"""The review queue's human side: routing into named queues, order within a queue, claims, skips and figures."""

from datetime import timedelta

import pytest

from app.read.store import ReadStore
from domain.case import Case
from domain.claims import DEFAULT_LEASE, ReleaseReason
from domain.detection import Detection
from domain.policy import Policy
from domain.queue import Queue
from domain.report import Notice, Report
from domain.routing import Routing, RoutingRule
from domain.values import Severity, Subject
from projections.reports.projection import ReportsProjection
from projections.reports.queries import case_reports, find_reporter
from projections.review_queue.figures import percentile, queue_figures, reviewer_figures
from projections.review_queue.projection import ReviewQueueProjection
from projections.review_queue.queues import case_claims, claim_candidates, queue_entries
from tests.domain.factories import (
    DOMAIN,
    T0,
    at,
    facts,
    not_violating,
    terms,
    violating,
)
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_batch

GENERAL, PRIORITY, SEVERE = "ts_general", "ts_priority", "ts_severe"


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    feed = Feed(store, ReviewQueueProjection(), ReportsProjection())
    feed.save(Policy.publish(DOMAIN, "spam", terms(severity=Severity.MEDIUM), "policy:carol", T0))
    feed.save(Policy.publish(DOMAIN, "violence", terms(severity=Severity.HIGH), "policy:carol", T0))
    for name in (GENERAL, PRIORITY, SEVERE):
        feed.save(Queue.create(name, DOMAIN, f"{name} work", "ops:lee", T0))
    route([RoutingRule(PRIORITY, reporter_kinds=("TRUSTED_FLAGGER", "AUTHORITY"))], feed)
    return feed


def route(rules: list[RoutingRule], feed: Feed, default: str = GENERAL) -> None:
    routing = Routing.create("ops:lee", T0)
    routing.change(rules, default, {GENERAL, PRIORITY, SEVERE}, "ops:lee", T0)
    feed.save(routing)


def pin(id: str) -> Subject:
    return Subject(DOMAIN, "pin", id)


def notice(item: str, reporter: str, kind: str = "USER", policy: str = "spam") -> Notice:
    return Notice(pin(item), "acct-1", reporter, kind, policy, "Scam.")  # type: ignore[arg-type]


def report(feed: Feed, item: str, key: str, kind: str = "USER", policy: str = "spam", minutes: float = 0) -> Report:
    r = Report.submit(notice(item, f"reporter-{key}", kind, policy), key, "svc:intake", at(minutes=minutes))
    case = Case.open(pin(item), "acct-1", "svc:intake", at(minutes=minutes))
    case.receive_report(r.id, policy, "svc:intake", at(minutes=minutes))
    feed.save(r, case)
    return r


def detect(feed: Feed, item: str, confidence: float, external_id: str, policy: str = "spam") -> None:
    feed.save(Detection.record(facts(subject=pin(item), policy_key=policy, confidence=confidence,
                                     external_id=external_id), 1, "svc:classifier", at()))


def in_queue(feed: Feed, queue: str) -> list[str]:
    return [f"{e.subject.id}/{e.policy_key}" for e in feed.read(queue_entries, queue, 0, 100)]


def test_work_is_routed_by_the_first_matching_rule_else_to_the_default_queue(feed: Feed) -> None:
    report(feed, "pin-1", "a")
    report(feed, "pin-2", "b", kind="TRUSTED_FLAGGER")
    detect(feed, "pin-3", 0.9, "clf-3")

    assert in_queue(feed, GENERAL) == ["pin-3/spam", "pin-1/spam"]
    assert in_queue(feed, PRIORITY) == ["pin-2/spam"]


def test_a_trusted_flaggers_report_moves_work_that_was_already_waiting(feed: Feed) -> None:
    report(feed, "pin-1", "a")
    report(feed, "pin-1", "b", kind="AUTHORITY")

    assert in_queue(feed, GENERAL) == []
    [entry] = feed.read(queue_entries, PRIORITY, 0, 100)
    assert (entry.reports, entry.reporter_rank) == (2, 2)


def test_a_new_routing_table_routes_the_waiting_work_again_but_not_escalated_work(feed: Feed) -> None:
    report(feed, "pin-1", "a", policy="violence")
    report(feed, "pin-2", "b", policy="violence")
    case = Case.open(pin("pin-2"), None, "x", at())
    case.escalate("violence", PRIORITY, "Needs a senior look", "rita", at())
    feed.save(case)

    route([RoutingRule(SEVERE, severities=("HIGH",))], feed)

    assert in_queue(feed, SEVERE) == ["pin-1/violence"]
    assert in_queue(feed, PRIORITY) == ["pin-2/violence"]


def test_within_a_queue_severity_then_evidence_then_age_with_an_explicit_override_first(feed: Feed) -> None:
    detect(feed, "pin-1", 0.35, "clf-1")
    for n in range(20):
        report(feed, "pin-2", f"r{n}")
    report(feed, "pin-3", "v", policy="violence")
    report(feed, "pin-4", "old", minutes=-30)
    report(feed, "pin-5", "new", minutes=30)

    assert in_queue(feed, GENERAL) == [
        "pin-3/violence", "pin-2/spam", "pin-1/spam", "pin-4/spam", "pin-5/spam",
    ]
    case = Case.open(pin("pin-5"), None, "x", at())
    case.prioritize("spam", 5, "Press enquiry", "lead", at())
    feed.save(case)
    assert in_queue(feed, GENERAL)[0] == "pin-5/spam"


def test_claim_candidates_leave_out_live_claims_and_what_the_reviewer_skipped(feed: Feed) -> None:
    report(feed, "pin-1", "a")
    report(feed, "pin-2", "b")
    one = Case.open(pin("pin-1"), None, "x", at())
    one.claim_for(GENERAL, "spam", DEFAULT_LEASE, "rita", at())
    feed.save(one)

    def candidates(reviewer: str, minutes: float) -> list[str]:
        return [e.subject.id for e in feed.read(claim_candidates, GENERAL, reviewer, at(minutes=minutes), 10)]

    assert candidates("sam", 1) == ["pin-2"]
    assert candidates("sam", 10) == ["pin-1", "pin-2"]  # rita's lease ran out
    two = Case.open(pin("pin-2"), None, "x", at())
    two.claim_for(GENERAL, "spam", DEFAULT_LEASE, "sam", at(minutes=2))
    two.release(ReleaseReason.SKIPPED, "sam", at(minutes=3))
    feed.save(two)
    assert candidates("sam", 4) == []
    assert candidates("tom", 4) == ["pin-2"]


def test_a_report_arriving_while_its_case_is_claimed_under_its_policy_is_in_review_at_once(feed: Feed) -> None:
    case = Case.open(pin("pin-1"), "acct-1", "x", at())
    case.claim_for(GENERAL, "spam", timedelta(minutes=30), "rita", at(minutes=1))
    feed.save(case)
    held = report(feed, "pin-1", "a", minutes=2)
    other_policy = report(feed, "pin-1", "b", policy="violence", minutes=2)
    case.renew_claim(timedelta(hours=2), "rita", at(minutes=20))
    feed.save(case)
    renewed = report(feed, "pin-1", "c", minutes=50)  # after the first lease would have run out
    case.release(ReleaseReason.SKIPPED, "rita", at(minutes=60))
    feed.save(case)
    released = report(feed, "pin-1", "d", minutes=61)
    lapsed = Case.open(pin("pin-2"), "acct-1", "x", at())
    lapsed.claim_for(GENERAL, "spam", timedelta(minutes=30), "sam", at(minutes=1))
    feed.save(lapsed)
    report(feed, "pin-2", "e", minutes=40)  # after sam's lease ran out at minute 31

    statuses = {r.report_id: r.status for r in feed.read(case_reports, [str(case.id)])[str(case.id)]}
    assert statuses == {
        str(held.id): "IN_REVIEW", str(other_policy.id): "OPEN", str(renewed.id): "IN_REVIEW", str(released.id): "OPEN",
    }
    assert [r.status for r in feed.read(case_reports, [str(lapsed.id)])[str(lapsed.id)]] == ["OPEN"]


def test_reports_are_in_review_once_claimed_and_closed_with_the_decision(feed: Feed) -> None:
    first = report(feed, "pin-1", "a")
    report(feed, "pin-1", "b")
    case = Case.open(pin("pin-1"), "acct-1", "x", at())
    for report_id in (first.id, Report.create_id("reporter-b", "b")):
        case.receive_report(report_id, "spam", "svc", at())
    case.collect_events()
    case.claim_for(GENERAL, "spam", DEFAULT_LEASE, "rita", at(minutes=1))
    feed.save(case)
    assert {r.status for r in feed.read(case_reports, [str(case.id)])[str(case.id)]} == {"IN_REVIEW"}

    policy = Policy.publish(DOMAIN, "spam", terms(), "p", T0)
    decision = case.decide(Case.create_id(pin("x")), policy, not_violating(), [], None, "rita", at(minutes=5))
    closing = []
    for r in (first, Report.submit(notice("pin-1", "reporter-b"), "b", "s", at())):
        r.collect_events()
        r.close(decision.outcome, decision.decision_id, "rita", at(minutes=5))
        closing.append(r)
    feed.save(case, *closing)

    rows = feed.read(case_reports, [str(case.id)])[str(case.id)]
    assert {(r.status, r.outcome) for r in rows} == {("CLOSED", "NOT_VIOLATING")}
    reporter = feed.read(find_reporter, "reporter-a")
    assert reporter is not None
    assert (reporter.reports, reporter.closed, reporter.upheld, reporter.upheld_rate) == (1, 1, 0, 0.0)
    assert feed.read(case_claims, [str(case.id)]).get(str(case.id)) is None
    assert in_queue(feed, GENERAL) == []


def test_figures_count_inbound_decided_handling_time_and_expiries_per_queue_and_reviewer(feed: Feed) -> None:
    policy = Policy.publish(DOMAIN, "spam", terms(), "p", T0)
    for item, handling in (("pin-1", 4), ("pin-2", 8)):
        report(feed, item, item)
        case = Case.open(pin(item), "acct-1", "x", at())
        case.collect_events()
        case.claim_for(GENERAL, "spam", DEFAULT_LEASE, "rita", at())
        case.decide(Case.create_id(pin(item)), policy, violating(), [], None, "rita", at(minutes=handling))
        feed.save(case)
    report(feed, "pin-3", "c")
    lapsed = Case.open(pin("pin-3"), "acct-1", "x", at())
    lapsed.claim_for(GENERAL, "spam", DEFAULT_LEASE, "sam", at())
    feed.save(lapsed)

    now = at(minutes=30)
    [general, priority, severe] = feed.read(queue_figures, now, timedelta(hours=1))
    assert (general.name, general.backlog, general.inbound, general.decided) == (GENERAL, 1, 3, 2)
    assert general.handling_seconds == (240.0, 480.0)
    assert (general.median_handling, general.p90_handling) == (240.0, 480.0)
    assert general.claim_expiries == 1
    assert general.per_hour(general.inbound) == 3.0
    assert (priority.backlog, severe.backlog) == (0, 0)
    rita, sam = feed.read(reviewer_figures, now, timedelta(hours=1))
    assert (rita.name, rita.decided, rita.backlog, sam.name, sam.claim_expiries) == ("rita", 2, 0, "sam", 1)


def test_a_batch_costs_the_same_statements_however_many_reports_detections_claims_and_decisions_it_holds(
    feed: Feed,
) -> None:
    policy = Policy.publish(DOMAIN, "spam", terms(), "p", T0)
    projection = ReviewQueueProjection()

    def statements(run: str, subjects: int) -> int:
        events = []
        for n in range(subjects):
            item = f"{run}-{n}"
            reported = Report.submit(notice(item, f"reporter-{item}"), item, "svc:intake", at())
            detection = Detection.record(facts(subject=pin(item), policy_key="spam", external_id=item), 1, "svc", at())
            case = Case.open(pin(item), "acct-1", "x", at())
            case.claim_for(GENERAL, "spam", DEFAULT_LEASE, "rita", at())
            case.decide(Case.create_id(pin(item)), policy, violating(), [], None, "rita", at(minutes=1))
            events += [*reported.collect_events(), *detection.collect_events(), *case.collect_events()]
        return statements_of_batch(feed.store, projection, [e for e in events if isinstance(e, projection.event_types)])

    assert statements("few", 2) == statements("many", 40)


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9.0

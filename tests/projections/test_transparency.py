"""Transparency reports: a period's moderation, notices, complaints, automation and suspensions, added up from facts
with their times, the same on both engines, and the same for a closed period whenever it is asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from app.read.store import ReadStore
from app.runtime.wiring import Runtime
from app.write.ledger import Ledger
from domain.appeal import AppealOutcome
from domain.case import Case, Verdict
from domain.detection import DetectionFacts
from domain.policy import Policy
from domain.report import Notice, Report, ReporterKind
from domain.values import Action, ActionType, AutomationLevel, ContentType, DetectionSource, Outcome, Subject
from projections.transparency.projection import TransparencyProjection
from projections.transparency.queries import transparency_report
from projections.transparency.rows import (
    AutomationUse,
    Complaints,
    Decisions,
    Notices,
    Period,
    Restrictions,
    SuspensionBasis,
    Suspensions,
    TransparencyReport,
)
from tests.domain.factories import DOMAIN, MODEL, T0, at, decision_id, figures, items, settings, terms, violating
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_one_and_many
from tests.support import MovableClock

MARCH = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
SCAMS, CYBER = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "STATEMENT_CATEGORY_CYBER_VIOLENCE"
MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
ALICE, BOB = "reviewer:alice", "reviewer:bob"
HOUR = timedelta(hours=1)


def pin(name: str) -> Subject:
    return Subject(DOMAIN, "pin", name)


def report(runtime: Runtime, period: Period = MARCH) -> TransparencyReport:
    runtime.projector.catch_up()
    with runtime.store.transaction(write=False) as sql:
        return transparency_report(sql, period)


def remove(*territories: str, automation: AutomationLevel = AutomationLevel.NOT_AUTOMATED) -> Verdict:
    return Verdict(Outcome.VIOLATING, (Action(ActionType.REMOVE, territories),), "Breaks the policy.",
                   automation=automation)


@dataclass
class March:
    """What `write_march` recorded that tests act on later."""

    own_decision: UUID
    notice_decision: UUID
    case_id: UUID


def write_march(ledger: Ledger, clock: MovableClock) -> March:
    """A month of work: own-initiative decisions (one automated, one outside the EEA, one finding nothing), notices
    from a trusted flagger and a user (one actioned, one not, one left open), complaints upheld and overturned, a
    reporter's and an account's suspension, and an automation rule evaluated twice."""
    own = ledger.decide(pin("own"), "spam", remove(), [], "acct-1", ALICE)
    [detected] = ledger.record_detections([DetectionFacts(
        subject=pin("clf"), account_id="acct-2", policy_key="spam", source=DetectionSource.CLASSIFIER,
        external_id="clf-1", confidence=0.99, model="clf", content_type=ContentType.TEXT, content=None, evidence={},
        detected_at=clock(),
    )], "pipeline:clf")
    ledger.decide(pin("clf"), "spam", Verdict(
        Outcome.VIOLATING, (Action(ActionType.DEMOTE), Action(ActionType.LABEL)), "Spam.",
        automation=AutomationLevel.FULLY), [detected.detection.id], None, "automation:rule")
    ledger.decide(pin("us"), "spam", remove("US"), [], None, ALICE)
    ledger.decide(pin("fine"), "spam", Verdict(Outcome.NOT_VIOLATING, (), "Fine."), [], None, ALICE)

    ledger.submit_report(Notice(pin("tf"), None, "flagger-1", ReporterKind.TRUSTED_FLAGGER, "harassment", "Abuse."),
                         "n-1", "svc:intake")
    ledger.submit_report(Notice(pin("user"), None, "user-1", ReporterKind.USER, "harassment", "Rude."), "n-2",
                         "svc:intake")
    ledger.submit_report(Notice(pin("open"), None, "user-2", ReporterKind.USER, "spam", "Spam?"), "n-3", "svc:intake")
    clock.advance(2 * HOUR)
    acted = ledger.decide(pin("tf"), "harassment", remove(), [], None, ALICE)
    clock.advance(2 * HOUR)
    ledger.decide(pin("user"), "harassment", Verdict(Outcome.NOT_VIOLATING, (), "Rude, not abusive."), [], None,
                  ALICE)

    upheld = ledger.file_appeal(own.case.id, own.decision.decision_id, "It was not spam.", None, "user:acct-1")
    overturned = ledger.file_appeal(acted.case.id, acted.decision.decision_id, "Satire.", None, "user:x")
    clock.advance(3 * HOUR)
    ledger.resolve_appeal(upheld.appeal.id, AppealOutcome.UPHOLD, "Spam indeed.", BOB)
    clock.advance(3 * HOUR)
    ledger.resolve_appeal(overturned.appeal.id, AppealOutcome.OVERTURN, "Satire indeed.", BOB)

    ledger.warn_reporter("user-1", "Unfounded notices.", "policy:carol")
    ledger.suspend_reporter("user-1", "Manifestly unfounded notices.", clock() + timedelta(days=30), "policy:carol")
    ledger.decide(pin("csam"), "child_safety", remove(), [], "acct-3", ALICE)  # zero tolerance: terminated

    rule = ledger.configure_automation(DOMAIN, "spam", settings(), "policy:carol").rule
    ledger.record_evaluation(rule.id, figures(precision=0.91), items(160), "cli:eval")
    clock.advance(HOUR)
    ledger.record_evaluation(rule.id, figures(precision=0.97, recall=0.88, kappa=0.86), items(160), "cli:eval")
    return March(own.decision.decision_id, acted.decision.decision_id, own.case.id)


def test_a_period_s_report_counts_moderation_notices_complaints_automation_and_suspensions(
    runtime: Runtime, clock: MovableClock
) -> None:
    write_march(runtime.ledger, clock)

    figures_ = report(runtime)

    assert figures_.restrictions == [
        Restrictions("SOURCE_TRUSTED_FLAGGER", CYBER, "DECISION_VISIBILITY_CONTENT_REMOVED", False, 1),
        Restrictions("SOURCE_VOLUNTARY", MINORS, "DECISION_ACCOUNT_TERMINATED", False, 1),
        Restrictions("SOURCE_VOLUNTARY", MINORS, "DECISION_VISIBILITY_CONTENT_REMOVED", False, 1),
        Restrictions("SOURCE_VOLUNTARY", SCAMS, "DECISION_VISIBILITY_CONTENT_DEMOTED", True, 1),
        Restrictions("SOURCE_VOLUNTARY", SCAMS, "DECISION_VISIBILITY_CONTENT_LABELLED", True, 1),
        Restrictions("SOURCE_VOLUNTARY", SCAMS, "DECISION_VISIBILITY_CONTENT_REMOVED", False, 1),
    ]
    assert figures_.decisions == [
        Decisions("SOURCE_TRUSTED_FLAGGER", CYBER, False, "NOT_AUTOMATED", 1),
        Decisions("SOURCE_VOLUNTARY", MINORS, False, "NOT_AUTOMATED", 1),
        Decisions("SOURCE_VOLUNTARY", SCAMS, False, "NOT_AUTOMATED", 1),
        Decisions("SOURCE_VOLUNTARY", SCAMS, True, "FULLY", 1),
    ]
    assert figures_.notices == [
        Notices(CYBER, "TRUSTED_FLAGGER", 1, 1, 0, 0, 2 * 3600.0),
        Notices(CYBER, "USER", 1, 0, 1, 0, None),
        Notices(SCAMS, "USER", 1, 0, 0, 1, None),
        Notices(None, "TRUSTED_FLAGGER", 1, 1, 0, 0, 2 * 3600.0),
        Notices(None, "USER", 2, 0, 1, 1, None),
    ]
    assert figures_.complaints == [
        Complaints(CYBER, 1, 1, 0, 1, 0, 6 * 3600.0),
        Complaints(SCAMS, 1, 1, 1, 0, 0, 3 * 3600.0),
        Complaints(None, 2, 2, 1, 1, 0, 4.5 * 3600),
    ]
    assert figures_.automation == [AutomationUse("FULLY", 1, 0, 0), AutomationUse("NOT_AUTOMATED", 3, 2, 1)]
    [rule] = figures_.rules
    assert (rule.domain, rule.policy_key, rule.model, rule.samples, rule.precision, rule.recall, rule.kappa) == (
        DOMAIN, "spam", MODEL, 160, 0.97, 0.88, 0.86)
    assert figures_.suspensions == [Suspensions(SuspensionBasis.NOTICES, "REPORTER_SUSPENSION", 1)]


def test_a_closed_period_s_report_is_the_same_after_later_events(runtime: Runtime, clock: MovableClock) -> None:
    march = write_march(runtime.ledger, clock)
    clock.advance(HOUR)
    period = Period(MARCH.start, clock())
    before = report(runtime, period)

    ledger = runtime.ledger
    clock.advance(HOUR)
    ledger.submit_report(Notice(pin("own"), None, "flagger-1", ReporterKind.TRUSTED_FLAGGER, "spam", "Spam."),
                         "n-4", "svc:intake")
    ledger.decide(pin("open"), "spam", remove(), [], None, ALICE)  # closes the notice left open
    ledger.reverse_decision(march.case_id, march.own_decision, "Mistake.", ALICE)
    ledger.decide(pin("own"), "spam", remove("DE"), [], None, ALICE)
    rule = ledger.configure_automation(DOMAIN, "spam", settings(), "policy:carol").rule
    ledger.record_evaluation(rule.id, figures(precision=0.5), items(160), "cli:eval")
    ledger.warn_reporter("user-2", "Unfounded notices.", "policy:carol")
    ledger.suspend_reporter("user-2", "Manifestly unfounded notices.", clock() + timedelta(days=60), "policy:carol")

    assert report(runtime, period) == before
    assert report(runtime, Period(MARCH.start, clock() + HOUR)) != before


def test_a_report_of_one_domain_leaves_out_the_others_and_reporters_suspensions(
    runtime: Runtime, clock: MovableClock
) -> None:
    write_march(runtime.ledger, clock)
    runtime.ledger.decide(Subject("ads", "ad", "ad-1"), "misleading_claims",
                          Verdict(Outcome.VIOLATING, (Action(ActionType.REJECT_AD),), "Misleading."), [], None, ALICE)

    ads = report(runtime, Period(MARCH.start, MARCH.end, ("ads",)))
    trust = report(runtime, Period(MARCH.start, MARCH.end, (DOMAIN,)))

    assert [(r.category, r.restriction) for r in ads.restrictions] == [
        ("STATEMENT_CATEGORY_CONSUMER_INFORMATION", "DECISION_VISIBILITY_OTHER")]
    assert (ads.notices, ads.complaints, ads.rules, ads.suspensions) == ([], [], [], [])
    assert len(trust.restrictions) == 6
    assert trust.suspensions == []
    assert report(runtime, Period(MARCH.start, MARCH.end, ())).decisions == []


def test_a_penalty_restricts_as_its_decision_and_a_suspension_counts_under_article_23(runtime: Runtime) -> None:
    for n in range(3):  # 3, 6, then 9 points: a feature limit, then a suspension
        runtime.ledger.decide(pin(f"x{n}"), "violent_extremism", remove(), [], "acct-4", ALICE)

    figures_ = report(runtime)

    assert [(r.restriction, r.decisions) for r in figures_.restrictions] == [
        ("DECISION_ACCOUNT_SUSPENDED", 1), ("DECISION_PROVISION_PARTIAL_SUSPENSION", 1),
        ("DECISION_VISIBILITY_CONTENT_REMOVED", 3)]
    assert figures_.suspensions == [Suspensions(SuspensionBasis.CONTENT, "SUSPENSION", 1)]


def test_a_median_of_an_even_count_is_the_mean_of_the_middle_two(runtime: Runtime, clock: MovableClock) -> None:
    ledger = runtime.ledger
    for n, hours in enumerate((1, 2, 4, 10)):
        ledger.submit_report(Notice(pin(f"p{n}"), None, "flagger-1", ReporterKind.TRUSTED_FLAGGER, "spam", "Spam."),
                             f"n-{n}", "svc:intake")
        clock.advance(hours * HOUR)
        ledger.decide(pin(f"p{n}"), "spam", remove(), [], None, ALICE)

    [by_category, total] = report(runtime).notices

    assert by_category.median_seconds_to_action == total.median_seconds_to_action == 3 * 3600.0


def test_an_empty_period_reports_nothing(runtime: Runtime) -> None:
    assert report(runtime) == TransparencyReport(MARCH, [], [], [], [], [], [], [])


def test_a_policy_revised_later_leaves_its_earlier_notices_in_the_category_they_came_under(store: ReadStore) -> None:
    feed = Feed(store, TransparencyProjection())
    policy = Policy.publish(DOMAIN, "spam", terms(), "policy:carol", T0)
    feed.save(policy)
    first = Report.submit(Notice(pin("a"), None, "u", ReporterKind.USER, "spam", "Spam."), "k1", "svc", at(1))
    feed.save(first)
    policy.revise(terms(dsa_category="STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"), "policy:carol", at(2))
    later = Report.submit(Notice(pin("b"), None, "u", ReporterKind.USER, "spam", "Spam."), "k2", "svc", at(3))
    feed.save(policy, later)

    notices = feed.read(transparency_report, MARCH).notices

    assert [(n.category, n.received) for n in notices if n.category] == [
        ("STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", 1), (SCAMS, 1)]


def _decision_work(items_: range) -> list[object]:
    policy = Policy.publish(DOMAIN, "spam", terms(), "policy:carol", T0)
    events: list[object] = list(policy.collect_events())
    for n in items_:
        case = Case.open(pin(f"w{n}"), "acct", ALICE, at())
        case.decide(decision_id(f"w{n}"), policy, violating(Action(ActionType.REMOVE), Action(ActionType.DEMOTE)), [],
                    None, ALICE, at(1))
        report_ = Report.submit(Notice(pin(f"w{n}"), None, "u", ReporterKind.USER, "spam", "Spam."), f"w{n}", "svc",
                                at(1))
        events += [*case.collect_events(), *report_.collect_events()]
    return events


def test_a_batch_writes_each_table_once_however_many_events_it_holds(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, TransparencyProjection(), _decision_work)

    assert one == many


@pytest.mark.parametrize("day", ["2026-03-01", "2026-04-01"])
def test_period_bounds_are_inclusive_at_the_start_and_exclusive_at_the_end(
    runtime: Runtime, clock: MovableClock, day: str
) -> None:
    clock.now = datetime.fromisoformat(f"{day}T00:00:00+00:00")
    runtime.ledger.decide(pin("edge"), "spam", remove(), [], None, ALICE)

    counted = report(runtime).decisions

    assert len(counted) == (1 if day == "2026-03-01" else 0)

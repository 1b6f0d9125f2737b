"""Statements of reasons: one per decision that restricts something in the EEA, valid, and corrections beside it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from app.read.store import ReadStore
from app.runtime.wiring import Runtime
from domain.appeal import Appeal, AppealOutcome
from domain.case import Case, Verdict
from domain.detection import DetectionFacts
from domain.dsa import DsaFacts
from domain.policy import Policy
from domain.report import Notice, ReporterKind
from domain.values import (
    Action,
    ActionType,
    AutomationLevel,
    Content,
    ContentType,
    DetectionSource,
    DsaGround,
    Outcome,
    Subject,
)
from projections.statements_of_reasons.projection import StatementsOfReasonsProjection
from projections.statements_of_reasons.queries import StatementQuery, statement_page
from projections.statements_of_reasons.rows import StatementRow, StatementStatus
from projections.statements_of_reasons.validation import violations
from tests.domain.factories import DOMAIN, T0, at, decision_id, not_violating, recorded_detection, terms, violating
from tests.history import write_review_history
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_one_and_many

ALICE = "reviewer:alice"


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, StatementsOfReasonsProjection())


@pytest.fixture
def spam(feed: Feed) -> Policy:
    policy = Policy.publish(DOMAIN, "spam", terms(dsa_keywords=("KEYWORD_PHISHING",)), "policy:carol", T0)
    feed.save(policy)
    return policy


def statements(feed: Feed, **query: Any) -> list[StatementRow]:
    return feed.read(statement_page, StatementQuery(**query), 0, 500)


def decide(feed: Feed, policy: Policy, name: str, *actions: Action, case: Case | None = None, **verdict: Any) -> Case:
    case = case or Case.open(Subject(policy.domain, "pin", f"pin-{name}"), "acct-1", ALICE, at())
    case.decide(decision_id(name), policy, violating(*actions, **verdict), [], None, ALICE, at(days=2))
    feed.save(case)
    return case


def test_a_violating_decision_makes_one_valid_statement_from_the_policy_and_the_decision(
    feed: Feed, spam: Policy
) -> None:
    detection = recorded_detection(source=DetectionSource.USER_REPORT)
    case = Case.open(Subject(DOMAIN, "pin", "pin-1"), "acct-1", ALICE, at(minutes=-90))
    case.decide(decision_id("1"), spam, violating(Action(ActionType.REMOVE, ("DE", "FR", "US")),
                                                  automation=AutomationLevel.PARTIALLY),
                [detection], "acct-1", ALICE, at(days=2))
    feed.save(case)

    [row] = statements(feed)
    s = row.statement
    assert (row.puid, row.domain, row.policy_key, row.account_id, row.status) == (
        f"docket-{decision_id('1')}", DOMAIN, "spam", "acct-1", StatementStatus.IN_FORCE)
    assert violations(s) == []
    assert s["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert s["end_date_visibility_restriction"] is None
    assert s["territorial_scope"] == ["DE", "FR"]
    assert (s["source_type"], s["automated_detection"], s["automated_decision"]) == (
        "SOURCE_ARTICLE_16", "No", "AUTOMATED_DECISION_PARTIALLY")
    assert (s["decision_ground"], s["category"], s["category_specification"]) == (
        "DECISION_GROUND_INCOMPATIBLE_CONTENT", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", ["KEYWORD_PHISHING"])
    assert s["incompatible_content_explanation"].startswith("Spam: Do not post")
    assert (s["content_date"], s["application_date"]) == ("2026-03-02", "2026-03-04")
    assert s["content_type"] == ["CONTENT_TYPE_TEXT"]


def test_actions_land_in_their_decision_fields_with_their_end_dates(feed: Feed) -> None:
    allowed = tuple(ActionType)
    policy = Policy.publish(DOMAIN, "all", terms(allowed_actions=allowed), "policy:carol", T0)
    feed.save(policy)
    ends = at(days=30)
    decide(feed, policy, "1", Action(ActionType.REJECT_AD), Action(ActionType.DEMOTE, ends_at=ends),
           Action(ActionType.DEMONETIZE), Action(ActionType.SUSPEND_ACCOUNT, ends_at=at(days=9)),
           dsa=DsaFacts(visibility_other="Not served in any auction."))
    decide(feed, policy, "2", Action(ActionType.SUSPEND_PAYOUTS, ends_at=ends), Action(ActionType.DEMONETIZE),
           Action(ActionType.TERMINATE_ACCOUNT), Action(ActionType.SUSPEND_ACCOUNT))
    decide(feed, policy, "3", Action(ActionType.END_MONETIZATION, ends_at=at(days=365 * 100)))

    first, second, third = (r.statement for r in statements(feed))
    assert [violations(s) for s in (first, second, third)] == [[], [], []]
    assert first["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DEMOTED", "DECISION_VISIBILITY_OTHER"]
    assert first["decision_visibility_other"] == "Not served in any auction."
    assert first["end_date_visibility_restriction"] is None  # the rejection lasts
    assert (first["decision_monetary"], first["end_date_monetary_restriction"]) == ("DECISION_MONETARY_OTHER", None)
    assert first["decision_monetary_other"].startswith("The content was demonetized")
    assert (first["decision_account"], first["end_date_account_restriction"]) == (
        "DECISION_ACCOUNT_SUSPENDED", "2026-03-11")
    assert (second["decision_monetary"], second["end_date_monetary_restriction"]) == (
        "DECISION_MONETARY_SUSPENSION", "2026-04-01")
    assert "decision_monetary_other" not in second
    assert (second["decision_account"], second["end_date_account_restriction"]) == ("DECISION_ACCOUNT_TERMINATED", None)
    assert (third["decision_monetary"], third["end_date_monetary_restriction"]) == (
        "DECISION_MONETARY_TERMINATION", None)  # past 2038: sent as indefinite


def test_every_visibility_value_has_an_action(feed: Feed) -> None:
    policy = Policy.publish(DOMAIN, "all", terms(allowed_actions=tuple(ActionType)), "policy:carol", T0)
    feed.save(policy)
    decide(feed, policy, "1", *(Action(t) for t in ActionType))

    [row] = statements(feed)
    assert row.statement["decision_visibility"] == [
        "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED", "DECISION_VISIBILITY_CONTENT_DEMOTED",
        "DECISION_VISIBILITY_CONTENT_DISABLED", "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
        "DECISION_VISIBILITY_CONTENT_LABELLED", "DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_OTHER",
    ]
    assert violations(row.statement) == []


def test_illegal_content_carries_the_policy_s_legal_ground_and_reference(feed: Feed) -> None:
    policy = Policy.publish(DOMAIN, "csam", terms(
        dsa_ground=DsaGround.ILLEGAL_CONTENT, dsa_category="STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        legal_ground="Art. 5 Directive 2011/93/EU", reference_url="https://example.com/terms#csam",
    ), "policy:carol", T0)
    feed.save(policy)
    decide(feed, policy, "1")

    [row] = statements(feed)
    s = row.statement
    assert violations(s) == []
    assert (s["decision_ground"], s["illegal_content_legal_ground"], s["decision_ground_reference_url"]) == (
        "DECISION_GROUND_ILLEGAL_CONTENT", "Art. 5 Directive 2011/93/EU", "https://example.com/terms#csam")
    assert "incompatible_content_ground" not in s


def test_the_decision_s_own_facts_fill_what_the_ledger_cannot_know(feed: Feed, spam: Policy) -> None:
    decide(feed, spam, "1", content_type=ContentType.PRODUCT, dsa=DsaFacts(
        account_type="BUSINESS", content_language="DE", content_ean="4006381333931",  # type: ignore[arg-type]
        content_posted_at=at(days=-400), illegal_too=True))
    decide(feed, spam, "2", content_type=ContentType.OTHER, dsa=DsaFacts(content_type_other="A live stream"))
    decide(feed, spam, "3", content_type=ContentType.OTHER)

    product, other, unnamed = (r.statement for r in statements(feed))
    assert [violations(s) for s in (product, other, unnamed)] == [[], [], []]
    assert (product["account_type"], product["content_language"], product["content_id"]) == (
        "ACCOUNT_TYPE_BUSINESS", "DE", {"EAN-13": "4006381333931"})
    assert (product["content_date"], product["incompatible_content_illegal"]) == ("2025-01-26", "Yes")
    assert other["content_type_other"] == "A live stream"
    assert unnamed["content_type_other"] == "A pin"


def test_no_statement_for_a_clearance_or_a_restriction_outside_the_eea(feed: Feed, spam: Policy) -> None:
    case = Case.open(Subject(DOMAIN, "pin", "pin-1"), "acct-1", ALICE, at())
    case.decide(decision_id("1"), spam, not_violating(), [], None, ALICE, at())
    feed.save(case)
    decide(feed, spam, "2", Action(ActionType.REMOVE, ("US", "CH")))

    assert statements(feed) == []


def test_a_correction_is_recorded_beside_the_statement_it_leaves_as_sent(feed: Feed, spam: Policy) -> None:
    superseded = decide(feed, spam, "1")
    as_made = statements(feed)[0].statement
    decide(feed, spam, "2", Action(ActionType.LABEL), case=superseded)
    reversed_ = decide(feed, spam, "3")
    reversed_.reverse_actions(decision_id("3"), "Decided in error.", "reviewer:bo", at(days=3))
    feed.save(reversed_)
    appealed = decide(feed, spam, "4")
    appeal = Appeal.file(appealed, decision_id("4"), "Please look again.", timedelta(days=180), None, "user:x",
                         at(days=2))
    feed.save(appeal)
    appeal.resolve(AppealOutcome.OVERTURN, "Second look.", "reviewer:bo", at(days=4))
    appealed.reverse_actions(decision_id("4"), "appeal overturned", "reviewer:bo", at(days=4))
    feed.save(appeal, appealed)

    rows = statements(feed)
    assert [(r.decision_id, r.status, r.corrected_at) for r in rows] == [
        (str(decision_id("1")), StatementStatus.SUPERSEDED, at(days=2)),
        (str(decision_id("2")), StatementStatus.IN_FORCE, None),
        (str(decision_id("3")), StatementStatus.REVERSED, at(days=3)),
        (str(decision_id("4")), StatementStatus.OVERTURNED, at(days=4)),
    ]
    assert rows[0].statement == as_made
    assert [r.decision_id for r in statements(feed, status=StatementStatus.OVERTURNED)] == [str(decision_id("4"))]


def test_statements_are_read_by_when_they_were_decided_and_domain(feed: Feed, spam: Policy) -> None:
    ads = Policy.publish("ads", "spam", terms(), "policy:carol", T0)
    feed.save(ads)
    decide(feed, spam, "1")
    decide(feed, ads, "2")

    assert [r.domain for r in statements(feed, domains=["ads"])] == ["ads"]
    assert len(statements(feed, decided_from=at(days=2))) == 2
    assert statements(feed, decided_to=at(days=2)) == []
    assert statements(feed, domains=[]) == []


def _decision_work(cases: range) -> list[object]:
    """Each case opened, decided, decided again (superseding), the second appealed and overturned."""
    policy = Policy.publish(DOMAIN, "spam", terms(), "policy:carol", T0)
    events: list[object] = [*policy.collect_events()]
    for i in cases:
        case = Case.open(Subject(DOMAIN, "pin", f"p{i}"), "acct-1", ALICE, at())
        case.decide(decision_id(f"{i}-1"), policy, violating(), [], None, ALICE, at(days=1))
        again = case.decide(decision_id(f"{i}-2"), policy, violating(), [], None, ALICE, at(days=2))
        appeal = Appeal.file(case, again.decision_id, "No.", timedelta(days=180), None, "user:x", at(days=2))
        appeal.resolve(AppealOutcome.OVERTURN, "Yes.", "reviewer:bo", at(days=3))
        case.reverse_actions(again.decision_id, "overturned", "reviewer:bo", at(days=3))
        events += [*case.collect_events(), *appeal.collect_events()]
    return events


def test_a_batch_costs_the_same_statements_however_many_decisions_it_reports(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, StatementsOfReasonsProjection(), _decision_work)

    assert one == many


def test_every_statement_of_a_varied_history_passes_the_validator(runtime: Runtime) -> None:
    write_review_history(runtime.ledger, 240)
    runtime.projector.catch_up()

    with runtime.store.transaction(write=False) as sql:
        rows = statement_page(sql, StatementQuery(), 0, 10_000)
    assert len(rows) > 20
    assert {r.domain for r in rows} >= {"trust_safety", "ads", "shopping"}
    assert {r.status for r in rows} >= {StatementStatus.IN_FORCE, StatementStatus.REVERSED}
    assert {puid: v for r in rows if (v := violations(r.statement)) for puid in [r.puid]} == {}


PERSONAL = "Jane Doe, jane.doe@example.com, +49 151 2345678"


def test_no_statement_quotes_evidence_notes_reports_rationales_or_appeals(runtime: Runtime) -> None:
    ledger = runtime.ledger
    subject = Subject("trust_safety", "pin", "pin-planted")
    facts = DetectionFacts(
        subject=subject, account_id="jane.doe@example.com", policy_key="harassment", source=DetectionSource.LLM,
        external_id="llm-1", confidence=0.9, model=PERSONAL, content_type=ContentType.TEXT,
        content=Content(f"https://example.com/u/{PERSONAL}", "sha256:1", "1"),
        evidence={"excerpt": PERSONAL, "reporter": PERSONAL}, detected_at=ledger.clock(),
    )
    [recorded] = ledger.record_detections([facts], "pipeline:llm")
    ledger.submit_report(Notice(subject, "jane.doe@example.com", "jane.doe@example.com", ReporterKind.USER,
                                "harassment", f"{PERSONAL} keeps messaging me"), "r-1", "user:jane")
    ledger.add_case_note(subject, "harassment", f"Called {PERSONAL}", "reviewer:alice")
    verdict = Verdict(Outcome.VIOLATING, (Action(ActionType.REMOVE, ("DE",)),), f"Threatens {PERSONAL}.")
    made = ledger.decide(subject, "harassment", verdict, [recorded.detection.id], None, "reviewer:alice")
    ledger.file_appeal(made.case_id, made.decision.decision_id, f"I am {PERSONAL}", None, "user:jane")
    runtime.projector.catch_up()

    with runtime.store.transaction(write=False) as sql:
        [row] = statement_page(sql, StatementQuery(), 0, 10)
    sent = json.dumps(row.statement, ensure_ascii=False)
    assert violations(row.statement) == []
    assert "Jane" not in sent and "jane" not in sent and "2345678" not in sent

"""What a decision and a policy add for statements of reasons is checked when it comes in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.batch import BatchSubject, fingerprint
from domain.case import Verdict
from domain.dsa import AccountType, DsaFacts, check_ean_13
from domain.errors import ValidationError
from domain.ladder import Ladder, Rung
from domain.levels import PenaltyKind, StandingLevel
from domain.values import Action, ActionType, DsaGround, Outcome, Subject
from tests.domain.factories import terms


def verdict(dsa: DsaFacts, *types: ActionType) -> Verdict:
    actions = tuple(Action(t) for t in (types or (ActionType.REMOVE,)))
    return Verdict(outcome=Outcome.VIOLATING, actions=actions, rationale="r", dsa=dsa)


@pytest.mark.parametrize("ean", ["4006381333931", "5901234123457", "0000000000000"])
def test_an_ean_13_with_its_check_digit_is_taken(ean: str) -> None:
    assert check_ean_13(ean, "dsa.contentEan") == ean


@pytest.mark.parametrize("ean", ["4006381333932", "400638133393", "40063813339311", "400638133393a", 4006381333931])
def test_an_ean_13_of_the_wrong_shape_or_check_digit_is_refused(ean: object) -> None:
    with pytest.raises(ValidationError) as caught:
        check_ean_13(ean, "dsa.contentEan")
    assert caught.value.field == "dsa.contentEan"


@pytest.mark.parametrize(("dsa", "field"), [
    (DsaFacts(content_language="en"), "dsa.contentLanguage"),
    (DsaFacts(content_language="XX"), "dsa.contentLanguage"),
    (DsaFacts(content_ean="123"), "dsa.contentEan"),
    (DsaFacts(content_type_other=" "), "dsa.contentTypeOther"),
    (DsaFacts(content_type_other="x" * 501), "dsa.contentTypeOther"),
    (DsaFacts(visibility_other="Rejected."), "dsa.visibilityOther"),
    (DsaFacts(monetary_other="Demonetized."), "dsa.monetaryOther"),
    (DsaFacts(content_posted_at=datetime(1999, 12, 31, tzinfo=UTC)), "dsa.contentPostedAt"),
    (DsaFacts(content_posted_at=datetime(2026, 1, 1)), "dsa.contentPostedAt"),  # noqa: DTZ001 - no zone, refused
])
def test_bad_statement_facts_are_refused_with_the_field_at_fault(dsa: DsaFacts, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        verdict(dsa).validate()
    assert caught.value.field == field


def test_an_other_text_is_taken_with_the_action_it_explains() -> None:
    verdict(DsaFacts(visibility_other="Not served."), ActionType.REJECT_AD).validate()
    verdict(DsaFacts(monetary_other="No revenue."), ActionType.DEMONETIZE).validate()
    verdict(DsaFacts(account_type="BUSINESS", content_language="DE", content_ean="4006381333931",  # type: ignore[arg-type]
                     content_posted_at=datetime(2000, 1, 1, tzinfo=UTC), illegal_too=False)).validate()


@pytest.mark.parametrize(("changes", "field"), [
    ({"dsa_keywords": ("KEYWORD_SPAM",)}, "dsaKeywords"),
    ({"dsa_keywords": ("KEYWORD_PHISHING", "KEYWORD_PHISHING")}, "dsaKeywords"),
    ({"legal_ground": "Art. 1"}, "legalGround"),
    ({"legal_ground": "x" * 501, "dsa_ground": DsaGround.ILLEGAL_CONTENT}, "legalGround"),
    ({"reference_url": "example.com/terms"}, "referenceUrl"),
    ({"reference_url": "https://example.com/" + "a" * 500}, "referenceUrl"),
])
def test_a_policy_s_dsa_terms_are_checked(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        terms(**changes).validate()
    assert caught.value.field == field


def test_a_policy_on_illegal_content_names_its_law_and_keywords() -> None:
    terms(dsa_ground=DsaGround.ILLEGAL_CONTENT, legal_ground="Art. 5 Directive 2011/93/EU",
          dsa_keywords=("KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",), reference_url="https://example.com/terms").validate()


def ladder(*rungs: Rung) -> Ladder:
    return Ladder("monetization", timedelta(days=90), timedelta(days=180), rungs)


def test_a_rung_may_say_what_its_penalty_is_in_a_statement_of_reasons() -> None:
    payouts = Rung(2, StandingLevel.RESTRICTED, PenaltyKind.FEATURE_LIMIT, timedelta(days=30), ("payouts",),
                   dsa_decision="DECISION_MONETARY_SUSPENSION")
    assert ladder(Rung(1, StandingLevel.WARNED), payouts).problem() is None


@pytest.mark.parametrize("rung", [
    Rung(1, StandingLevel.WARNED, dsa_decision="DECISION_ACCOUNT_SUSPENDED"),
    Rung(1, StandingLevel.SUSPENDED, PenaltyKind.SUSPENSION, dsa_decision="DECISION_MONETARY_OTHER"),
    Rung(1, StandingLevel.SUSPENDED, PenaltyKind.SUSPENSION, dsa_decision="DECISION_VISIBILITY_CONTENT_REMOVED"),
])
def test_a_rung_s_dsa_decision_is_one_a_penalty_can_be(rung: Rung) -> None:
    problem = ladder(rung).problem()
    assert problem is not None and "dsa_decision must be one of" in problem[1]


def test_a_bulk_decision_s_fingerprint_tells_its_facts_apart_and_stays_what_it_was_without() -> None:
    subjects = [BatchSubject(Subject("trust_safety", "pin", "p1"), "acct-1")]
    plain = Verdict(outcome=Outcome.VIOLATING, actions=(Action(ActionType.REMOVE),), rationale="r")
    business = replace(plain, dsa=DsaFacts(account_type=AccountType.BUSINESS))

    assert "dsa" not in repr(plain)
    assert fingerprint("spam", plain, subjects) != fingerprint("spam", business, subjects)
    assert fingerprint("spam", business, subjects) == fingerprint("spam", replace(business), subjects)

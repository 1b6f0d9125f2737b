"""Notices to people: what the affected account and the reporters are told, in their language, and delivery."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from domain.account import Account
from domain.base import natural_id
from domain.errors import ValidationError
from domain.levels import PenaltyKind
from domain.notice import Decided, Notice, RecipientKind
from domain.notice_wording import NoticeKind, NoticeTemplate
from domain.report import Report
from domain.standing import Penalty
from domain.values import Action, ActionType, AutomationLevel, Outcome
from tests.domain.factories import (
    ACCOUNT,
    SUBJECT,
    T0,
    at,
    decided,
    not_violating,
    opened_case,
    published_policy,
    terms,
    violating,
)

WINDOW = timedelta(days=180)


def _decided(
    *actions: Action, automation: AutomationLevel = AutomationLevel.NOT_AUTOMATED, **changes: Any
) -> Decided:
    policy = published_policy(allowed_actions=tuple(ActionType), **changes)
    decision = decided(opened_case(), policy, violating(*actions, automation=automation), "d1")
    return Decided(decision, SUBJECT, policy.terms, T0, WINDOW)


def test_a_restrictive_decision_tells_the_account_what_where_how_on_which_policy_and_how_to_appeal() -> None:
    notice = Notice.of_decision(
        _decided(Action(ActionType.REMOVE, ("DE", "AT")), automation=AutomationLevel.FULLY),
        ACCOUNT, None, "reviewer:alice", T0,
    )

    assert notice.kind is NoticeKind.DECISION and notice.recipient_kind is RecipientKind.ACCOUNT
    assert notice.recipient_id == ACCOUNT and notice.language == "EN"
    assert '"Spam" (version 1)' in notice.text
    assert "the content was removed in DE, AT" in notice.text
    assert "Where it applies: in AT, DE." in notice.text
    assert "by automated means, without human review" in notice.text
    assert "appeal this decision until 2026-08-29 09:30 UTC" in notice.text
    (issued,) = notice.collect_events()
    assert isinstance(issued, Notice.Issued)
    assert issued.automation is AutomationLevel.FULLY and issued.territories == ("AT", "DE")
    assert issued.appeal_deadline == T0 + WINDOW


def test_the_notice_is_written_in_the_accounts_language_and_in_english_where_docket_has_no_words() -> None:
    facts = _decided(Action(ActionType.SUSPEND_ACCOUNT, ends_at=at(days=7)))

    german = Notice.of_decision(facts, ACCOUNT, "DE", "reviewer:alice", T0)
    french = Notice.of_decision(facts, ACCOUNT, "FR", "reviewer:alice", T0)
    finnish = Notice.of_decision(facts, ACCOUNT, "FI", "reviewer:alice", T0)

    assert german.language == "DE" and "Ihr Konto wurde gesperrt bis 2026-03-09" in german.text
    assert "Wo es gilt: überall." in german.text and "von einer Person, ohne automatisierte Mittel" in german.text
    assert french.language == "FR" and "votre compte a été suspendu jusqu'au 2026-03-09" in french.text
    assert finnish.language == "EN" and "your account was suspended until 2026-03-09" in finnish.text


def test_a_policys_own_template_replaces_the_default_in_its_language_only() -> None:
    own = NoticeTemplate(NoticeKind.DECISION, "DE", "Richtlinie $policy_title v$policy_version: $actions. $appeal")
    facts = _decided(Action(ActionType.REMOVE), notice_templates=(own,))

    german = Notice.of_decision(facts, ACCOUNT, "DE", "reviewer:alice", T0)
    english = Notice.of_decision(facts, ACCOUNT, "EN", "reviewer:alice", T0)

    assert german.text.startswith("Richtlinie Spam v1: der Inhalt wurde entfernt. Sie können bis 2026-08-29")
    assert english.text.startswith("We have restricted your pin")


def test_the_reporter_is_told_the_outcome_of_their_report() -> None:
    policy = published_policy()
    case = opened_case()
    kept = decided(case, policy, not_violating(), "d2")
    report_id = Report.create_id("user-9", "report-1")

    notice = Notice.of_report(Decided(kept, SUBJECT, policy.terms, T0, WINDOW), report_id, "user-9", "FR",
                              "reviewer:alice", T0)

    assert notice.kind is NoticeKind.REPORT_OUTCOME and notice.recipient_kind is RecipientKind.REPORTER
    assert "il n'enfreint pas la règle" in notice.text and "« Spam »" in notice.text
    (issued,) = notice.collect_events()
    assert isinstance(issued, Notice.Issued)
    assert issued.report_id == report_id and issued.outcome is Outcome.NOT_VIOLATING and issued.appeal_deadline is None


def test_a_notice_has_one_id_per_decision_and_recipient() -> None:
    facts = _decided(Action(ActionType.REMOVE))
    first = Notice.of_decision(facts, ACCOUNT, None, "reviewer:alice", T0)
    again = Notice.of_decision(facts, ACCOUNT, "DE", "reviewer:alice", at(minutes=1))

    assert first.id == again.id
    assert first.id != Notice.of_decision(facts, "acct-2", None, "reviewer:alice", T0).id


def test_no_text_of_the_decision_reaches_the_notice() -> None:
    policy = published_policy()
    verdict = violating(Action(ActionType.REMOVE), rationale="Posted by jane.doe@example.test from 10.0.0.7")
    decision = decided(opened_case(), policy, verdict, "d3")

    notice = Notice.of_decision(Decided(decision, SUBJECT, policy.terms, T0, WINDOW), ACCOUNT, None, "r:a", T0)

    assert "jane.doe" not in notice.text and "10.0.0.7" not in notice.text


def test_delivery_is_recorded_once() -> None:
    notice = Notice.of_decision(_decided(Action(ActionType.REMOVE)), ACCOUNT, None, "reviewer:alice", T0)
    notice.collect_events()

    assert notice.confirm_delivered("email", at(minutes=2), "msg-1", "svc:notify", at(minutes=3))
    assert not notice.confirm_delivered("push", at(minutes=4), None, "svc:notify", at(minutes=5))

    (delivered,) = notice.collect_events()
    assert isinstance(delivered, Notice.Delivered) and delivered.channel == "email"
    assert notice.delivered and notice.channel == "email"


@pytest.mark.parametrize(
    ("channel", "delivered_minutes", "field"),
    [("E-Mail", 2, "channel"), ("email", -10, "deliveredAt"), ("email", 60, "deliveredAt")],
)
def test_a_delivery_that_cannot_be_is_refused(channel: str, delivered_minutes: int, field: str) -> None:
    notice = Notice.of_decision(_decided(Action(ActionType.REMOVE)), ACCOUNT, None, "reviewer:alice", T0)
    notice.collect_events()

    with pytest.raises(ValidationError) as refused:
        notice.confirm_delivered(channel, at(minutes=delivered_minutes), None, "svc:notify", at(minutes=3))

    assert refused.value.field == field
    assert not notice.delivered and notice.collect_events() == []


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        (NoticeTemplate(NoticeKind.DECISION, "IT", "Regola $policy_title"), "must be one of DE, EN, FR"),
        (NoticeTemplate(NoticeKind.DECISION, "EN", "Costs $5"), "names nothing"),
        (NoticeTemplate(NoticeKind.REPORT_OUTCOME, "EN", "$actions for ${evidence}"), "names actions, evidence"),
        (NoticeTemplate(NoticeKind.DECISION, "EN", " "), "must not be empty"),
    ],
)
def test_a_template_that_cannot_be_filled_is_refused_at_publication(template: NoticeTemplate, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        terms(notice_templates=(template,)).validate()


def test_two_templates_for_one_kind_and_language_are_refused() -> None:
    twice = (NoticeTemplate(NoticeKind.DECISION, "EN", "A $actions"), NoticeTemplate(NoticeKind.DECISION, "EN", "B"))

    with pytest.raises(ValidationError, match="must not give two texts"):
        terms(notice_templates=twice).validate()


def test_an_account_records_its_language_once() -> None:
    account = Account.register(ACCOUNT, "svc:profile", T0)
    account.collect_events()

    assert account.set_language("DE", "svc:profile", at(minutes=1))
    assert not account.set_language("DE", "svc:profile", at(minutes=2))
    assert account.language == "DE" and len(account.collect_events()) == 1
    with pytest.raises(ValidationError, match="ISO 639-1"):
        account.set_language("de", "svc:profile", at(minutes=3))


def test_a_penalty_the_decisions_strike_brought_is_told_with_the_actions() -> None:
    strike_id = natural_id("strike", "s1")
    suspension = Penalty(natural_id("penalty", "p1"), "trust_safety", PenaltyKind.SUSPENSION, 3, T0, at(days=7),
                         False, strike_id)
    payouts = replace(suspension, dsa_decision="DECISION_MONETARY_SUSPENSION")
    limit = replace(suspension, kind=PenaltyKind.FEATURE_LIMIT, ends_at=None)
    facts = _decided(Action(ActionType.REMOVE))

    def told(penalty: Penalty, language: str = "EN") -> str:
        return Notice.of_decision(replace(facts, penalty=penalty), ACCOUNT, language, "reviewer:alice", T0).text

    assert ("the content was removed; your account was suspended until 2026-03-09, because of the strikes on your "
            "account.") in told(suspension)
    assert "your payouts were suspended until 2026-03-09, because of the strikes" in told(payouts)
    assert "some features of your account were limited, because of the strikes" in told(limit)
    assert "Ihr Konto wurde gesperrt bis 2026-03-09, wegen der Verstöße auf Ihrem Konto" in told(suspension, "DE")

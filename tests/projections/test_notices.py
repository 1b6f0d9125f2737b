"""Notices: every one the write path issues is kept with its delivery, read by account, decision and status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from app.read.store import ReadStore
from app.runtime.wiring import Runtime
from domain.case import Case, Verdict
from domain.notice import Decided, Notice, RecipientKind
from domain.report import Notice as Report
from domain.report import ReporterKind
from domain.values import Action, ActionType, Outcome, Subject
from projections.notices.projection import NoticesProjection
from projections.notices.queries import NoticeQuery, notice_page
from projections.notices.rows import NoticeRow, NoticeStatus
from tests.domain.factories import ACCOUNT, DOMAIN, T0, at, decision_id, published_policy, violating
from tests.projections.statements import statements_of_one_and_many

PERSONAL = "Jane Doe, jane.doe@example.com, +49 151 2345678"


def notices(runtime: Runtime, **query: Any) -> list[NoticeRow]:
    with runtime.store.transaction(write=False) as sql:
        return notice_page(sql, NoticeQuery(**query), 0, 500)


def _report(subject: Subject, reporter: str, text: str = "This is spam.") -> Report:
    return Report(subject, ACCOUNT, reporter, ReporterKind.USER, "spam", text)


def test_a_decision_on_a_reported_subject_tells_the_account_and_each_reporter(runtime: Runtime) -> None:
    ledger = runtime.ledger
    subject = Subject(DOMAIN, "pin", "pin-1")
    ledger.set_account_language(ACCOUNT, "DE", "svc:profile")
    ledger.set_account_language("user-fr", "FR", "svc:profile")
    ledger.submit_report(_report(subject, "user-fr"), "r-1", "svc:intake")
    ledger.submit_report(_report(subject, "user-xx"), "r-2", "svc:intake")
    verdict = Verdict(Outcome.VIOLATING, (Action(ActionType.REMOVE, ("DE",)),), "Link farm.")
    made = ledger.decide(subject, "spam", verdict, [], ACCOUNT, "reviewer:alice")
    runtime.projector.catch_up()

    rows = notices(runtime)
    decision = str(made.decision.decision_id)
    assert [(r.kind, r.recipient_id, r.language) for r in rows] == [
        ("REPORT_OUTCOME", "user-fr", "FR"), ("REPORT_OUTCOME", "user-xx", "EN"), ("DECISION", ACCOUNT, "DE"),
    ]
    account_notice = rows[-1]
    assert (account_notice.decision_id, account_notice.policy_key, account_notice.status) == (
        decision, "spam", NoticeStatus.ISSUED)
    assert account_notice.territories == ("DE",) and account_notice.automation == "NOT_AUTOMATED"
    assert account_notice.appeal_deadline is not None and account_notice.report_id is None
    assert "der Inhalt wurde entfernt in DE" in account_notice.text
    assert "il enfreint la règle" in rows[0].text and rows[0].report_id is not None


def test_a_decision_that_restricts_nothing_tells_only_the_reporters(runtime: Runtime) -> None:
    ledger = runtime.ledger
    subject = Subject(DOMAIN, "pin", "pin-2")
    ledger.submit_report(_report(subject, "user-1"), "r-1", "svc:intake")
    ledger.decide(subject, "spam", Verdict(Outcome.NOT_VIOLATING, (), "Fine."), [], ACCOUNT, "reviewer:alice")
    runtime.projector.catch_up()

    [row] = notices(runtime)
    assert (row.kind, row.recipient_id, row.outcome) == ("REPORT_OUTCOME", "user-1", "NOT_VIOLATING")
    assert "does not break the policy" in row.text


def test_a_delivery_marks_the_notice_delivered_and_the_filters_choose(runtime: Runtime) -> None:
    ledger, clock = runtime.ledger, runtime.ledger.clock
    verdict = Verdict(Outcome.VIOLATING, (Action(ActionType.REMOVE),), "Spam.")
    first = ledger.decide(Subject(DOMAIN, "pin", "a"), "spam", verdict, [], ACCOUNT, "reviewer:alice")
    ledger.decide(Subject(DOMAIN, "pin", "b"), "spam", verdict, [], "acct-2", "reviewer:alice")
    runtime.projector.catch_up()
    [notice] = notices(runtime, decision_id=str(first.decision.decision_id))
    notice_id = Notice.create_id(first.decision.decision_id, RecipientKind.ACCOUNT, ACCOUNT)
    ledger.confirm_notice_delivered(notice_id, "email", clock(), "msg-7", "svc:notify")
    runtime.projector.catch_up()

    [delivered] = notices(runtime, status=NoticeStatus.DELIVERED)
    assert delivered.notice_id == notice.notice_id and delivered.channel == "email"
    assert [r.recipient_id for r in notices(runtime, status=NoticeStatus.ISSUED)] == ["acct-2"]
    assert [r.recipient_id for r in notices(runtime, account_id="acct-2")] == ["acct-2"]
    assert notices(runtime, domains=["ads"]) == []


def test_no_notice_quotes_evidence_reports_or_rationales(runtime: Runtime) -> None:
    ledger = runtime.ledger
    subject = Subject(DOMAIN, "pin", "pin-planted")
    ledger.submit_report(_report(subject, "user-9", f"{PERSONAL} posted this"), "r-1", "svc:intake")
    ledger.add_case_note(subject, "spam", f"Called {PERSONAL}", "reviewer:alice")
    verdict = Verdict(Outcome.VIOLATING, (Action(ActionType.REMOVE),), f"Threatens {PERSONAL}.")
    ledger.decide(subject, "spam", verdict, [], ACCOUNT, "reviewer:alice")
    runtime.projector.catch_up()

    texts = " ".join(r.text for r in notices(runtime))
    assert len(notices(runtime)) == 2
    assert "Jane" not in texts and "jane" not in texts and "2345678" not in texts


def _notice_work(items: range) -> Sequence[object]:
    policy = published_policy()
    events: list[object] = []
    for n in items:
        case = Case.open(Subject(DOMAIN, "pin", f"p{n}"), ACCOUNT, "reviewer:alice", T0)
        decision = case.decide(decision_id(str(n)), policy, violating(), [], None, "reviewer:alice", T0)
        notice = Notice.of_decision(Decided(decision, case.subject, policy.terms, T0, timedelta(days=180)),
                                    ACCOUNT, None, "reviewer:alice", T0)
        notice.confirm_delivered("email", at(minutes=1), None, "svc:notify", at(minutes=2))
        events += notice.collect_events()
    return events


def test_a_batch_costs_the_same_statements_however_many_notices_it_holds(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, NoticesProjection(), _notice_work)

    assert one == many

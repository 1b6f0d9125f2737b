"""Reports join their subject's case; a decision closes them; reporters can be warned, then suspended."""

from datetime import timedelta

import pytest

from domain.errors import ConflictError, ValidationError
from domain.report import Notice, Report, ReporterKind
from domain.reporter import Reporter
from domain.values import Outcome
from tests.domain.factories import (
    ACCOUNT,
    SUBJECT,
    at,
    decided,
    not_violating,
    opened_case,
    published_policy,
)


def report(key: str = "r-1", reporter: str = "user-1", kind: str = "USER", **changes: object) -> Report:
    values: dict[str, object] = {
        "subject": SUBJECT, "account_id": ACCOUNT, "reporter_id": reporter, "reporter_kind": kind,
        "policy_key": "spam", "text": "Scam link.", "content": None,
    }
    values.update(changes)
    return Report.submit(Notice(**values), key, "svc:intake", at())  # type: ignore[arg-type]


def test_a_report_is_named_by_its_reporter_and_idempotency_key_and_belongs_to_the_subjects_case() -> None:
    first, again = report(), report()

    assert first.id == again.id == Report.create_id("user-1", "r-1")
    assert report(reporter="user-2").id != first.id
    [event] = first.collect_events()
    assert isinstance(event, Report.Submitted)
    assert event.case_id == opened_case().id
    assert (event.reporter_kind, event.policy_key, event.text) == ("USER", "spam", "Scam link.")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"kind": "MOB"}, "reporter.kind"), ({"text": ""}, "text"), ({"policy_key": "Spam!"}, "policy"),
     ({"key": "has space"}, "idempotencyKey"), ({"reporter": ""}, "reporter.id")],
)
def test_a_malformed_report_is_refused_with_the_field_named(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        report(**changes)  # type: ignore[arg-type]
    assert error.value.field == field


def test_authorities_and_trusted_flaggers_rank_above_users() -> None:
    assert ReporterKind.AUTHORITY.rank > ReporterKind.TRUSTED_FLAGGER.rank > ReporterKind.USER.rank


def test_a_case_keeps_its_open_reports_per_policy_until_a_decision_under_that_policy() -> None:
    case = opened_case()
    one, two = report("r-1"), report("r-2", reporter="user-2")
    case.receive_report(one.id, "spam", "svc:intake", at())
    case.receive_report(two.id, "spam", "svc:intake", at())
    case.receive_report(report("r-3").id, "scam", "svc:intake", at())

    assert case.open_reports_under("spam") == [one.id, two.id]
    decided(case, published_policy(), not_violating(), "d1", when=at(minutes=5))
    assert case.open_reports_under("spam") == []
    assert len(case.open_reports_under("scam")) == 1


def test_closing_a_report_records_what_its_reporter_is_told_once() -> None:
    r = report()
    r.close(Outcome.NOT_VIOLATING, opened_case().id, "rita", at(minutes=5))

    [_, closed] = r.collect_events()
    assert isinstance(closed, Report.Closed)
    assert closed.told == "We reviewed the content you reported and found it does not break our spam policy."
    with pytest.raises(ConflictError):
        r.close(Outcome.VIOLATING, opened_case().id, "rita", at(minutes=6))


def test_a_reporter_is_suspended_only_after_a_warning_and_only_for_a_while() -> None:
    reporter = Reporter.register("user-9", "trust:olga", at())

    with pytest.raises(ConflictError, match="must be warned"):
        reporter.suspend("Manifestly unfounded notices", at(days=30), "trust:olga", at())
    reporter.warn("Twelve notices on lawful satire in a week", "trust:olga", at())
    with pytest.raises(ValidationError):
        reporter.suspend("Still unfounded", at(minutes=-1), "trust:olga", at(days=1))
    reporter.suspend("Still unfounded after the warning", at(days=31), "trust:olga", at(days=1))

    with pytest.raises(ConflictError, match="suspended until"):
        reporter.check_may_report(at(days=2))
    reporter.check_may_report(at(days=31) + timedelta(seconds=1))
    assert [type(e).__name__ for e in reporter.collect_events()] == ["Registered", "Warned", "Suspended"]

"""AccountData: erasure of an account's personal data and the legal holds that keep it; which event fields hold it."""

import pytest

from domain.account_data import AccountData, LegalHoldError
from domain.case import Case
from domain.detection import Detection
from domain.errors import ValidationError
from domain.personal_data import PersonalField, personal_fields
from domain.report import Notice, Report, ReporterKind
from domain.values import DetectionSource
from tests.domain.factories import ACCOUNT, SUBJECT, T0, at, facts, opened_case


def registered(account_id: str = ACCOUNT) -> AccountData:
    data = AccountData.register(account_id, "admin:root", T0)
    data.collect_events()
    return data


def test_erasing_records_who_asked_and_why() -> None:
    data = registered()

    data.erase("GDPR Art. 17 request, ticket 42", True, "admin:root", at(days=1))

    (event,) = data.collect_events()
    assert isinstance(event, AccountData.Erased)
    assert (event.account_id, event.reason, event.actor) == (ACCOUNT, "GDPR Art. 17 request, ticket 42", "admin:root")
    assert data.erased_at == at(days=1)


def test_erasing_again_with_no_key_left_records_nothing() -> None:
    data = registered()
    data.erase("request", False, "admin:root", at(days=1))
    data.collect_events()

    data.erase("request, again", False, "admin:root", at(days=2))

    assert data.collect_events() == []
    assert data.erased_at == at(days=1)


def test_erasing_again_after_new_data_was_sealed_records_a_second_erasure() -> None:
    data = registered()
    data.erase("request", True, "admin:root", at(days=1))
    data.collect_events()

    data.erase("second request", True, "admin:root", at(days=2))

    assert [type(e) for e in data.collect_events()] == [AccountData.Erased]


def test_a_legal_hold_refuses_erasure_until_lifted() -> None:
    data = registered()
    data.place_hold("litigation pending", "Court of Paris, case 2026/118", "admin:root", at(days=1))

    with pytest.raises(LegalHoldError) as refused:
        data.erase("request", True, "admin:root", at(days=2))
    assert refused.value.authority == "Court of Paris, case 2026/118"

    data.lift_hold("case closed", "Court of Paris, case 2026/118", "admin:root", at(days=3))
    data.erase("request", True, "admin:root", at(days=4))
    assert [type(e) for e in data.collect_events()] == [
        AccountData.LegalHoldPlaced, AccountData.LegalHoldLifted, AccountData.Erased,
    ]


def test_placing_or_lifting_a_hold_twice_records_it_once() -> None:
    data = registered()

    data.place_hold("litigation", "counsel", "admin:root", at(days=1))
    data.place_hold("litigation", "counsel", "admin:root", at(days=2))
    data.lift_hold("settled", "counsel", "admin:root", at(days=3))
    data.lift_hold("settled", "counsel", "admin:root", at(days=4))

    assert [type(e) for e in data.collect_events()] == [AccountData.LegalHoldPlaced, AccountData.LegalHoldLifted]


@pytest.mark.parametrize(("reason", "authority", "field"), [(" ", "counsel", "reason"), ("why", "", "authority")])
def test_a_hold_needs_a_reason_and_an_authority(reason: str, authority: str, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        registered().place_hold(reason, authority, "admin:root", T0)
    assert refused.value.field == field


def test_erasure_needs_a_reason() -> None:
    with pytest.raises(ValidationError):
        registered().erase("", True, "admin:root", T0)


def recorded(**changes: object) -> Detection.Recorded:
    (event,) = Detection.record(facts(**changes), 1, "svc:classifier", T0).collect_events()
    assert isinstance(event, Detection.Recorded)
    return event


def test_a_detections_evidence_belongs_to_its_account() -> None:
    event = recorded(evidence={"email": "jane@example.test"})

    assert personal_fields(event) == [PersonalField(("facts", "evidence"), ACCOUNT)]


def test_an_automation_rules_record_in_evidence_stays_in_clear() -> None:
    event = recorded(source=DetectionSource.LLM, evidence={"automation": {"rule": "r-1", "mode": "ASSIST"}})

    assert personal_fields(event) == []


def test_a_reports_text_belongs_to_the_reported_account_or_else_its_reporter() -> None:
    def submitted(account_id: str | None) -> Report.Submitted:
        notice = Notice(SUBJECT, account_id, "user-9", ReporterKind.USER, "spam", "She lives at 1 Rue X")
        (event,) = Report.submit(notice, "k-1", "svc:reports", T0).collect_events()
        assert isinstance(event, Report.Submitted)
        return event

    assert personal_fields(submitted(ACCOUNT)) == [PersonalField(("text",), ACCOUNT)]
    assert personal_fields(submitted(None)) == [PersonalField(("text",), "user-9")]


def test_a_note_on_a_case_belongs_to_the_cases_account() -> None:
    case = opened_case()
    case.add_note(None, "Called +33 6 12 34 56 78", "reviewer:alice", at(minutes=5))

    (event,) = case.collect_events()

    assert isinstance(event, Case.NoteAdded)
    assert personal_fields(event) == [PersonalField(("note",), ACCOUNT)]

"""The write side's indexes: a decision's case, and what detections told of a subject."""

import pytest

from domain.case import Case
from domain.errors import NotFoundError
from domain.indexes import DecisionIndex, SubjectIndex, check_case_work, note_detection
from tests.domain.factories import (
    ACCOUNT,
    POLICY_KEY,
    SUBJECT,
    at,
    decision_id,
    facts,
    not_violating,
    published_policy,
    violating,
)

DETECTOR = "svc:classifier"


def noted(index: SubjectIndex | None, case: Case | None, **changes: object) -> SubjectIndex:
    return note_detection(index, case, facts(**changes), DETECTOR, at())


def test_a_decision_index_names_the_case_under_an_id_of_the_decision() -> None:
    index = DecisionIndex.record(decision_id("1"), Case.create_id(SUBJECT), "reviewer:alice", at())

    assert index.id == DecisionIndex.create_id(decision_id("1")) != DecisionIndex.create_id(decision_id("2"))
    assert index.case_id == Case.create_id(SUBJECT)


def test_a_subject_index_keeps_the_first_account_a_detection_named() -> None:
    index = noted(None, None, account_id=None)
    index = noted(index, None, external_id="clf-2", account_id=ACCOUNT)
    index = noted(index, None, external_id="clf-3", account_id="acct-2")

    assert index.id == SubjectIndex.create_id(SUBJECT)
    assert index.account_id == ACCOUNT


def test_a_detection_that_tells_nothing_new_records_nothing() -> None:
    index = noted(None, None)
    index.collect_events()

    noted(index, None, external_id="clf-2", account_id="acct-2")

    assert index.collect_events() == []


def test_work_waits_from_a_detection_until_a_decision_under_its_policy() -> None:
    index = noted(None, None)
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", at())
    assert index.waiting(POLICY_KEY, None) and index.waiting(POLICY_KEY, case)
    assert not index.waiting("scam", case)

    case.decide(decision_id("1"), published_policy(), violating(), [], ACCOUNT, "reviewer:alice", at(minutes=1))

    assert not index.waiting(POLICY_KEY, case)


def test_a_detection_a_live_decision_answers_leaves_no_work_even_once_the_decision_is_reversed() -> None:
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", at())
    decision = case.decide(decision_id("1"), published_policy(), violating(), [], ACCOUNT, "reviewer:alice", at())
    index = noted(None, case)
    case.reverse_actions(decision.decision_id, "wrong call", "reviewer:bo", at(minutes=1))
    assert not index.waiting(POLICY_KEY, case)

    noted(index, case, external_id="clf-2")

    assert index.waiting(POLICY_KEY, case)


def test_a_case_is_known_by_its_detections_and_its_work_by_reports_or_detections_not_yet_decided() -> None:
    policy = published_policy()
    with pytest.raises(NotFoundError, match="no case for trust_safety/pin/pin-1"):
        check_case_work(SUBJECT, None, None, None)
    index = noted(None, None)
    check_case_work(SUBJECT, None, index, POLICY_KEY)
    with pytest.raises(NotFoundError, match="case trust_safety/pin/pin-1 has no work waiting for review under 'scam'"):
        check_case_work(SUBJECT, None, index, "scam")

    case = Case.open(SUBJECT, ACCOUNT, "svc:intake", at())
    case.receive_report(decision_id("report"), "scam", "svc:intake", at())
    check_case_work(SUBJECT, case, index, "scam")
    case.decide(decision_id("1"), policy, not_violating(), [], ACCOUNT, "reviewer:alice", at(minutes=1))

    with pytest.raises(NotFoundError, match="no work waiting"):
        check_case_work(SUBJECT, case, index, POLICY_KEY)
    check_case_work(SUBJECT, case, None, None)

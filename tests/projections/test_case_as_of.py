"""A case as it stood at a past moment, from the case status read model."""

from datetime import datetime

import pytest

from app.read.store import ReadStore
from domain.case import Case
from domain.detection import Detection
from domain.values import Subject
from projections.case_status.as_of import case_as_of
from projections.case_status.projection import CaseStatusProjection
from projections.case_status.queries import decisions_of_cases, detections_of_cases, find_case
from projections.case_status.rows import CaseRow, DecisionRow, DetectionRow
from projections.sql import Sql
from tests.domain.factories import (
    ACCOUNT,
    SUBJECT,
    at,
    decision_id,
    facts,
    not_violating,
    published_policy,
    violating,
)
from tests.projections.feed import Feed


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, CaseStatusProjection())


def _as_of(
    sql: Sql, subject: Subject, moment: datetime
) -> tuple[CaseRow, list[DetectionRow], list[DecisionRow]] | None:
    row = find_case(sql, subject)
    assert row is not None
    return case_as_of(
        row, detections_of_cases(sql, [row.case_id])[row.case_id], decisions_of_cases(sql, [row.case_id])[row.case_id],
        moment,
    )


def as_of(feed: Feed, moment: datetime) -> tuple[CaseRow, list[DetectionRow], list[DecisionRow]]:
    past = feed.read(_as_of, SUBJECT, moment)
    assert past is not None
    return past


def detect(feed: Feed, external_id: str, minutes: float, **changes: object) -> Detection:
    detection = Detection.record(facts(external_id=external_id, **changes), 1, "svc:classifier", at(minutes=minutes))
    feed.save(detection)
    return detection


def test_before_its_first_detection_the_case_did_not_exist(feed: Feed) -> None:
    detect(feed, "d1", minutes=10)

    assert feed.read(_as_of, SUBJECT, at(minutes=9)) is None
    assert as_of(feed, at(minutes=10))[0].status == "OPEN"


def test_only_detections_recorded_by_then_count(feed: Feed) -> None:
    detect(feed, "d1", minutes=1)
    detect(feed, "d2", minutes=5)
    detect(feed, "d3", minutes=9)

    case, detections, decisions = as_of(feed, at(minutes=5))

    assert [d.external_id for d in detections] == ["d1", "d2"]
    assert (case.status, case.updated_at, decisions) == ("OPEN", at(minutes=5), [])


def test_a_decision_superseded_later_was_live_then(feed: Feed) -> None:
    detection = detect(feed, "d1", minutes=1)
    policy = published_policy()
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", at(minutes=10))
    case.decide(decision_id("1"), policy, violating(), [detection], None, "reviewer:alice", at(minutes=10))
    feed.save(case)
    case.decide(decision_id("2"), policy, not_violating(), [detection], None, "reviewer:bo", at(days=2))
    feed.save(case)

    before, _, [first] = as_of(feed, at(days=1))
    after, _, decisions = as_of(feed, at(days=2))

    assert (before.status, first.live, first.superseded_by) == ("ACTIONED", True, None)
    assert after.status == "CLEARED"
    assert [(d.live, d.superseded_by) for d in decisions] == [(False, str(decision_id("2"))), (True, None)]


def test_a_reversal_after_the_moment_is_hidden(feed: Feed) -> None:
    policy = published_policy()
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", at(minutes=10))
    case.decide(decision_id("1"), policy, violating(), [], None, "reviewer:alice", at(minutes=10))
    feed.save(case)
    case.reverse_actions(decision_id("1"), "Appeal overturned.", "reviewer:bo", at(days=3))
    feed.save(case)

    before, _, [then] = as_of(feed, at(days=2))
    after, _, [now] = as_of(feed, at(days=3))

    assert (before.status, then.live, then.reversed_at, then.reversal_reason) == ("ACTIONED", True, None, None)
    assert (after.status, now.live, now.reversed_at, now.reversal_reason) == (
        "CLEARED", False, at(days=3), "Appeal overturned.",
    )
    assert after.updated_at == at(days=3)


def test_a_detection_under_another_policy_reopened_the_case_only_from_its_moment(feed: Feed) -> None:
    detection = detect(feed, "d1", minutes=1)
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", at(minutes=10))
    case.decide(decision_id("1"), published_policy(), violating(), [detection], None, "reviewer:alice", at(minutes=10))
    feed.save(case)
    detect(feed, "scam-1", minutes=20, policy_key="scams")

    assert as_of(feed, at(minutes=15))[0].status == "ACTIONED"
    assert as_of(feed, at(minutes=20))[0].status == "OPEN"

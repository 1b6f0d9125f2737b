import pytest

from app.read.store import ReadStore
from domain.account import Account
from domain.base import natural_id
from domain.case import Case
from domain.detection import Detection
from domain.ladder import default_ladder
from domain.values import (
    Action,
    ActionType,
    Content,
    ContentType,
    DetectionSource,
    Subject,
)
from projections.case_status.projection import CaseStatusProjection
from projections.case_status.queries import (
    decisions_of_cases,
    detections_of_cases,
    find_case,
    find_decision,
)
from tests.domain.factories import (
    ACCOUNT,
    POLICY_KEY,
    SUBJECT,
    T0,
    at,
    decision_id,
    facts,
    not_violating,
    published_policy,
    violating,
)
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_batch

CASE_ID = str(Case.create_id(SUBJECT))


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, CaseStatusProjection())


def _detected(feed: Feed, external_id: str = "clf-0001", when_minutes: float = 0, **changes: object) -> Detection:
    detection = Detection.record(
        facts(external_id=external_id, **changes), 1, "svc:classifier", at(minutes=when_minutes)
    )
    feed.save(detection)
    return detection


def test_an_unseen_subject_has_no_case(feed: Feed) -> None:
    assert feed.read(find_case, SUBJECT) is None


def test_a_detection_opens_the_case(feed: Feed) -> None:
    detection = _detected(feed, when_minutes=1)

    case = feed.read(find_case, SUBJECT)

    assert case is not None
    assert case.status == "OPEN"
    assert (case.case_id, case.subject, case.account_id) == (CASE_ID, SUBJECT, ACCOUNT)
    assert (case.opened_at, case.updated_at, case.last_position) == (at(minutes=1), at(minutes=1), 1)
    [row] = feed.read(detections_of_cases, [CASE_ID])[CASE_ID]
    assert row.detection_id == str(detection.id)
    assert (row.policy_key, row.policy_version, row.source, row.external_id) == (
        POLICY_KEY,
        1,
        "CLASSIFIER",
        "clf-0001",
    )
    assert (row.confidence, row.model, row.content_type, row.automated) == (0.93, "spam-clf-v7", "TEXT", True)
    assert row.content == facts().content
    assert (row.detected_at, row.recorded_at, row.recorded_by, row.position) == (T0, at(minutes=1), "svc:classifier", 1)


def test_further_detections_join_the_same_case(feed: Feed) -> None:
    _detected(feed, "clf-1", when_minutes=1)
    _detected(feed, "rep-1", when_minutes=2, source=DetectionSource.USER_REPORT, content=None)

    case = feed.read(find_case, SUBJECT)
    rows = feed.read(detections_of_cases, [CASE_ID])[CASE_ID]

    assert case is not None
    assert (case.status, case.opened_at, case.updated_at, case.last_position) == (
        "OPEN",
        at(minutes=1),
        at(minutes=2),
        2,
    )
    assert [(r.external_id, r.source, r.automated, r.content) for r in rows] == [
        ("clf-1", "CLASSIFIER", True, facts().content),
        ("rep-1", "USER_REPORT", False, None),
    ]


def test_a_violating_decision_actions_the_case(feed: Feed) -> None:
    detection = _detected(feed)
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", at(minutes=10))
    action = Action(ActionType.REMOVE, territories=("DE", "AT"), ends_at=at(days=30))
    decision = case.decide(
        decision_id("1"), published_policy(), violating(action), [detection], None, "reviewer:alice", at(minutes=10)
    )

    position = feed.save(case)

    row = feed.read(find_case, SUBJECT)
    assert row is not None
    assert (row.status, row.updated_at, row.last_position) == ("ACTIONED", at(minutes=10), position)
    assert row.opened_at == T0
    [stored] = feed.read(decisions_of_cases, [CASE_ID])[CASE_ID]
    assert stored.decision_id == str(decision.decision_id)
    assert (stored.case_id, stored.subject, stored.account_id) == (CASE_ID, SUBJECT, ACCOUNT)
    assert (stored.policy_key, stored.policy_version, stored.outcome) == (POLICY_KEY, 1, "VIOLATING")
    assert stored.actions == (action,)
    assert stored.detection_ids == (str(detection.id),)
    assert stored.content == facts().content
    assert (stored.rationale, stored.automation) == (decision.rationale, "NOT_AUTOMATED")
    assert (stored.dsa_category, stored.dsa_ground) == ("STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "INCOMPATIBLE_CONTENT")
    assert (stored.live, stored.superseded_by, stored.strike_id) == (True, None, None)
    assert (stored.decided_at, stored.decided_by, stored.position) == (at(minutes=10), "reviewer:alice", position)


def test_the_strike_a_decision_issued_is_linked_to_it(feed: Feed) -> None:
    detection = _detected(feed)
    policy = published_policy()
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", at(minutes=10))
    decision = case.decide(decision_id("1"), policy, violating(), [detection], None, "reviewer:alice", at(minutes=10))
    account = Account.register(ACCOUNT, "reviewer:alice", at(minutes=10))
    strike = account.apply_decision(
        case.id, decision, policy, default_ladder(SUBJECT.domain), "reviewer:alice", at(minutes=10)
    )
    assert strike is not None

    feed.save(case, account)

    stored = feed.read(find_decision, str(decision.decision_id))
    assert stored is not None
    assert stored.strike_id == str(strike.strike_id)


def test_a_not_violating_decision_clears_the_case(feed: Feed) -> None:
    detection = _detected(feed)
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", at(minutes=10))
    case.decide(
        decision_id("1"), published_policy(), not_violating(), [detection], None, "reviewer:alice", at(minutes=10)
    )

    feed.save(case)

    row = feed.read(find_case, SUBJECT)
    assert row is not None
    assert row.status == "CLEARED"
    [stored] = feed.read(decisions_of_cases, [CASE_ID])[CASE_ID]
    assert (stored.outcome, stored.actions, stored.live) == ("NOT_VIOLATING", (), True)


def test_a_superseded_decision_is_no_longer_live_and_it_and_its_successor_name_each_other(feed: Feed) -> None:
    detection = _detected(feed)
    policy = published_policy()
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", at(minutes=10))
    first = case.decide(decision_id("1"), policy, violating(), [detection], None, "reviewer:alice", at(minutes=10))
    feed.save(case)
    second = case.decide(decision_id("2"), policy, not_violating(), [detection], None, "appeals:bob", at(days=2))

    feed.save(case)

    old = feed.read(find_decision, str(first.decision_id))
    new = feed.read(find_decision, str(second.decision_id))
    assert old is not None and new is not None
    assert (old.live, old.superseded_by, old.supersedes) == (False, str(second.decision_id), None)
    assert (new.live, new.superseded_by, new.supersedes) == (True, None, str(first.decision_id))
    assert [d.decision_id for d in feed.read(decisions_of_cases, [CASE_ID])[CASE_ID]] == [
        str(first.decision_id),
        str(second.decision_id),
    ]
    row = feed.read(find_case, SUBJECT)
    assert row is not None
    assert (row.status, row.updated_at) == ("CLEARED", at(days=2))


def test_a_cleared_case_decided_violating_again_is_actioned(feed: Feed) -> None:
    policy = published_policy()
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", T0)
    case.decide(decision_id("1"), policy, not_violating(), [], None, "reviewer:alice", at(1))
    feed.save(case)
    case.decide(decision_id("2"), policy, violating(), [], None, "reviewer:bob", at(minutes=2))

    feed.save(case)

    row = feed.read(find_case, SUBJECT)
    assert row is not None
    assert row.status == "ACTIONED"


def test_a_case_decided_without_detections_is_opened_and_actioned_at_once(feed: Feed) -> None:
    case = Case.open(SUBJECT, None, "reviewer:alice", T0)
    case.decide(decision_id("1"), published_policy(), violating(), [], ACCOUNT, "reviewer:alice", T0)

    feed.save(case)

    row = feed.read(find_case, SUBJECT)
    assert row is not None
    assert (row.status, row.account_id) == ("ACTIONED", ACCOUNT)
    assert feed.read(detections_of_cases, [CASE_ID])[CASE_ID] == []


def test_a_detection_under_an_undecided_policy_reopens_a_decided_case(feed: Feed) -> None:
    detection = _detected(feed)
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", at(minutes=10))
    case.decide(decision_id("1"), published_policy(), violating(), [detection], None, "reviewer:alice", at(minutes=10))
    feed.save(case)

    _detected(feed, "clf-scam-1", when_minutes=20, policy_key="scams")

    row = feed.read(find_case, SUBJECT)
    assert row is not None
    assert row.status == "OPEN"


def test_cases_of_different_subjects_are_kept_apart(feed: Feed) -> None:
    other = Subject(SUBJECT.domain, "comment", "c-9")
    _detected(feed, "clf-1")
    _detected(
        feed,
        "clf-2",
        subject=other,
        account_id="acct-2",
        content_type=ContentType.TEXT,
        content=Content(uri="https://example.test/c/9", hash="sha256:cc", version="3"),
    )

    first = feed.read(find_case, SUBJECT)
    second = feed.read(find_case, other)

    assert first is not None and second is not None
    assert first.case_id != second.case_id
    assert (second.account_id, second.status) == ("acct-2", "OPEN")
    assert len(feed.read(detections_of_cases, [first.case_id])[first.case_id]) == 1
    assert len(feed.read(detections_of_cases, [second.case_id])[second.case_id]) == 1


def _case_work(subjects: range) -> list[object]:
    """Each subject detected, its case opened, decided with a strike, decided again, reversed and reported."""
    policy = published_policy()
    account = Account.register(ACCOUNT, "reviewer:alice", T0)
    events: list[object] = []
    for i in subjects:
        subject = Subject(SUBJECT.domain, "pin", f"pin-{i}")
        detection = Detection.record(facts(subject=subject, external_id=f"clf-{i}"), 1, "svc:classifier", T0)
        case = Case.open(subject, ACCOUNT, "reviewer:alice", at(1))
        first = case.decide(decision_id(f"{i}-1"), policy, violating(), [detection], None, "reviewer:alice", at(1))
        account.apply_decision(case.id, first, policy, default_ladder(SUBJECT.domain), "reviewer:alice", at(1))
        again = case.decide(decision_id(f"{i}-2"), policy, violating(), [detection], None, "reviewer:bob", at(2))
        case.reverse_actions(again.decision_id, "Decided in error.", "lead:ann", at(3))
        case.receive_report(natural_id("test-report", str(i)), "scams", "user:reporter", at(4))
        events += [*detection.collect_events(), *case.collect_events(), *account.collect_events()]
    return events


def test_a_batch_costs_the_same_statements_however_many_cases_it_changes(store: ReadStore) -> None:
    one = statements_of_batch(store, CaseStatusProjection(), _case_work(range(1)))

    many = statements_of_batch(store, CaseStatusProjection(), _case_work(range(1, 41)))

    assert one == many

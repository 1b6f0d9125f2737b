"""An aggregate is its events: replaying them rebuilds exactly the state that produced them."""

from collections.abc import Sequence
from typing import Any

from domain.account import Account
from domain.case import Case
from domain.detection import Detection
from domain.ladder import default_ladder
from domain.policy import Policy
from domain.values import Action, ActionType
from tests.domain.factories import (
    ACCOUNT,
    DOMAIN,
    POLICY_KEY,
    SUBJECT,
    T0,
    at,
    decision_id,
    facts,
    not_violating,
    published_policy,
    recorded_detection,
    terms,
    violating,
)


def _replay(events: Sequence[Any]) -> Any:
    copy = None
    for event in events:
        copy = event.mutate(copy)
    return copy


def test_replaying_a_policy_rebuilds_its_versions_and_retirement() -> None:
    policy = Policy.publish(DOMAIN, POLICY_KEY, terms(), "policy:carol", T0)
    policy.revise(terms(strike_points=4), "policy:carol", at(days=1))
    policy.retire("Superseded.", "policy:carol", at(days=2))
    events = policy.collect_events()

    copy = _replay(events)

    assert copy == policy
    assert (copy.id, copy.version, copy.policy_version, copy.retired) == (policy.id, 3, 2, True)
    assert copy.terms == terms(strike_points=4)
    assert (copy.created_on, copy.modified_on) == (T0, at(days=2))


def test_replaying_part_of_a_policys_history_gives_its_state_at_that_point() -> None:
    policy = Policy.publish(DOMAIN, POLICY_KEY, terms(), "policy:carol", T0)
    policy.revise(terms(strike_points=4), "policy:carol", at(days=1))
    policy.retire("Superseded.", "policy:carol", at(days=2))
    events = policy.collect_events()

    before_retirement = _replay(events[:2])

    assert (before_retirement.policy_version, before_retirement.retired) == (2, False)
    assert before_retirement != policy


def test_replaying_a_detection_rebuilds_its_facts() -> None:
    detection = Detection.record(facts(), 2, "svc:classifier", T0)
    events = detection.collect_events()

    copy = _replay(events)

    assert copy == detection
    assert (copy.id, copy.facts, copy.policy_version) == (detection.id, facts(), 2)


def test_replaying_a_case_rebuilds_its_decisions_and_live_decision() -> None:
    policy = published_policy()
    detection = recorded_detection()
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", T0)
    case.decide(decision_id("1"), policy, violating(Action(ActionType.REMOVE, ("DE",), at(days=30))), [detection],
                None, "reviewer:alice", at(minutes=1))
    second = case.decide(decision_id("2"), policy, not_violating(), [detection], None, "appeals:bob", at(days=1))
    events = case.collect_events()

    copy = _replay(events)

    assert copy == case
    assert copy.decisions == case.decisions
    assert copy.live_decision(POLICY_KEY) == second
    assert (copy.subject, copy.account_id, copy.version) == (SUBJECT, ACCOUNT, 3)


def test_replaying_an_account_rebuilds_its_strikes_and_removals() -> None:
    policy = published_policy(strike_points=2)
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", T0)
    account = Account.register(ACCOUNT, "reviewer:alice", T0)
    ladder = default_ladder(DOMAIN)
    first = case.decide(decision_id("1"), policy, violating(), [], None, "reviewer:alice", T0)
    strike = account.apply_decision(case.id, first, policy, ladder, "reviewer:alice", T0)
    second = case.decide(decision_id("2"), policy, not_violating(), [], None, "appeals:bob", at(days=3))
    account.apply_decision(case.id, second, policy, ladder, "appeals:bob", at(days=3))
    events = account.collect_events()

    copy = _replay(events)

    assert strike is not None
    assert copy == account
    assert copy.strikes[strike.strike_id].removed_at == at(days=3)
    assert copy.standing(at(days=1)) == account.standing(at(days=1))
    assert copy.standing(at(days=4)) == account.standing(at(days=4))

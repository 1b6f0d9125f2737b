from datetime import timedelta

import pytest

from domain.account import Account
from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.ladder import Ladder, default_ladder
from domain.levels import StandingLevel
from domain.values import Subject
from tests.domain.factories import (
    ACCOUNT,
    DOMAIN,
    POLICY_KEY,
    T0,
    at,
    decided,
    not_violating,
    opened_case,
    published_policy,
    violating,
)

LADDER = default_ladder(DOMAIN)


def _registered() -> Account:
    account = Account.register(ACCOUNT, "reviewer:alice", T0)
    account.collect_events()
    return account


def test_registering_an_account_records_it_with_no_strikes() -> None:
    account = Account.register(ACCOUNT, "svc:intake", T0)

    events = account.collect_events()

    assert len(events) == 1
    assert isinstance(events[0], Account.Registered)
    assert events[0].account_id == ACCOUNT
    assert (events[0].actor, events[0].occurred_at) == ("svc:intake", T0)
    assert account.id == Account.create_id(ACCOUNT)
    assert (account.account_id, account.strikes) == (ACCOUNT, {})
    assert account.standing(T0).level is StandingLevel.GOOD


@pytest.mark.parametrize("account_id", ["", "acct 1", "a" * 257])
def test_registering_rejects_a_malformed_account_id(account_id: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Account.register(account_id, "svc:intake", T0)

    assert raised.value.field == "accountId"


def test_a_violating_decision_issues_a_strike_that_expires_after_the_lifetime() -> None:
    account = _registered()
    case = opened_case()
    policy = published_policy(strike_points=3)
    decision = decided(case, policy, violating(), "first", at(minutes=5))

    strike = account.apply_decision(case.id, decision, policy, LADDER, "reviewer:alice", at(minutes=5))

    assert strike is not None
    events = account.collect_events()
    assert len(events) == 1
    assert isinstance(events[0], Account.StrikeIssued)
    assert events[0].strike == strike
    assert (events[0].actor, events[0].occurred_at) == ("reviewer:alice", at(minutes=5))
    assert strike.points == 3
    assert strike.issued_at == at(minutes=5)
    assert strike.expires_at == at(minutes=5) + timedelta(days=365)
    assert (strike.domain, strike.policy_key, strike.policy_version) == (DOMAIN, POLICY_KEY, 1)
    assert (strike.decision_id, strike.case_id) == (decision.decision_id, case.id)
    assert (strike.removed_at, strike.removal_reason) == (None, None)
    assert account.strikes == {strike.strike_id: strike}
    assert account.live_strike_for(case.id, POLICY_KEY) == strike


def test_the_strike_lives_as_long_as_the_domains_ladder_says() -> None:
    account = _registered()
    case = opened_case(subject=Subject("ads", "ad", "ad-1"))
    policy = published_policy(domain="ads")
    decision = decided(case, policy, violating(), "ad")
    ads_ladder = Ladder("ads", timedelta(days=90), timedelta(days=30), default_ladder("ads").rungs)

    strike = account.apply_decision(case.id, decision, policy, ads_ladder, "svc:ads", T0)

    assert strike is not None
    assert strike.expires_at == T0 + timedelta(days=90)
    assert strike.domain == "ads"


def test_the_strike_points_are_the_policys_weighted_by_the_ladder() -> None:
    account = _registered()
    case = opened_case()
    policy = published_policy(strike_points=2, severity="HIGH")
    weighted = Ladder(DOMAIN, timedelta(days=365), timedelta(days=180), default_ladder(DOMAIN).rungs, {"HIGH": 3})

    strike = account.apply_decision(case.id, decided(case, policy, violating(), "d"), policy, weighted, "r", T0)

    assert strike is not None
    assert strike.points == 6


def test_no_strike_is_issued_when_the_policy_carries_no_points() -> None:
    account = _registered()
    case = opened_case()
    policy = published_policy(strike_points=0)
    decision = decided(case, policy, violating(), "first")

    strike = account.apply_decision(case.id, decision, policy, LADDER, "reviewer:alice", T0)

    assert strike is None
    assert account.collect_events() == []
    assert account.strikes == {}


def test_re_deciding_violating_on_the_same_case_and_policy_never_issues_a_second_strike() -> None:
    account = _registered()
    case = opened_case()
    policy = published_policy(strike_points=2)
    first = decided(case, policy, violating(), "first", at(minutes=1))
    strike = account.apply_decision(case.id, first, policy, LADDER, "reviewer:alice", at(minutes=1))
    account.collect_events()
    second = decided(case, policy, violating(rationale="Confirmed on review."), "second", at(minutes=2))

    again = account.apply_decision(case.id, second, policy, LADDER, "reviewer:bob", at(minutes=2))

    assert again == strike
    assert account.collect_events() == []
    assert len(account.strikes) == 1
    assert account.standing(at(minutes=3)).strike_points == 2


def test_the_same_case_under_another_policy_earns_its_own_strike() -> None:
    account = _registered()
    case = opened_case()
    spam = published_policy()
    scams = published_policy(key="scams")
    spam_strike = account.apply_decision(case.id, decided(case, spam, violating(), "spam"), spam, LADDER, "r", T0)
    scams_strike = account.apply_decision(case.id, decided(case, scams, violating(), "scams"), scams, LADDER, "r", T0)

    assert spam_strike is not None and scams_strike is not None
    assert spam_strike.strike_id != scams_strike.strike_id
    assert len(account.strikes) == 2
    assert account.standing(at(minutes=1)).strike_points == 2


def test_another_case_under_the_same_policy_earns_its_own_strike() -> None:
    account = _registered()
    policy = published_policy()
    one, two = opened_case(), opened_case(subject=Subject(DOMAIN, "pin", "pin-2"))
    account.apply_decision(one.id, decided(one, policy, violating(), "one"), policy, LADDER, "r", T0)
    account.apply_decision(two.id, decided(two, policy, violating(), "two"), policy, LADDER, "r", T0)

    assert len(account.collect_events()) == 2
    assert {s.case_id for s in account.strikes.values()} == {one.id, two.id}


def test_re_deciding_not_violating_removes_the_live_strike() -> None:
    account = _registered()
    case = opened_case()
    policy = published_policy()
    first = decided(case, policy, violating(), "first", at(minutes=1))
    strike = account.apply_decision(case.id, first, policy, LADDER, "reviewer:alice", at(minutes=1))
    assert strike is not None
    account.collect_events()
    cleared = decided(case, policy, not_violating(), "second", at(days=2))

    result = account.apply_decision(case.id, cleared, policy, LADDER, "appeals:bob", at(days=2))

    assert result is None
    events = account.collect_events()
    assert len(events) == 1
    removed = events[0]
    assert isinstance(removed, Account.StrikeRemoved)
    assert removed.strike_id == strike.strike_id
    assert str(cleared.decision_id) in removed.reason
    assert (removed.actor, removed.occurred_at) == ("appeals:bob", at(days=2))
    assert account.strikes[strike.strike_id].removed_at == at(days=2)
    assert account.strikes[strike.strike_id].removal_reason == removed.reason
    assert account.live_strike_for(case.id, POLICY_KEY) is None
    assert account.standing(at(days=1)).level is StandingLevel.WARNED
    assert account.standing(at(days=2)).level is StandingLevel.GOOD


def test_not_violating_without_a_live_strike_changes_nothing() -> None:
    account = _registered()
    case = opened_case()
    policy = published_policy()

    result = account.apply_decision(case.id, decided(case, policy, not_violating(), "d"), policy, LADDER, "r", T0)

    assert result is None
    assert account.collect_events() == []


def test_violating_again_after_a_clearing_issues_a_fresh_strike() -> None:
    account = _registered()
    case = opened_case()
    policy = published_policy()
    first = account.apply_decision(case.id, decided(case, policy, violating(), "1"), policy, LADDER, "r", at(minutes=1))
    account.apply_decision(case.id, decided(case, policy, not_violating(), "2"), policy, LADDER, "r", at(minutes=2))

    third = account.apply_decision(case.id, decided(case, policy, violating(), "3"), policy, LADDER, "r", at(minutes=3))

    assert first is not None and third is not None
    assert third.strike_id != first.strike_id
    assert [type(e) for e in account.collect_events()] == [
        Account.StrikeIssued, Account.StrikeRemoved, Account.StrikeIssued,
    ]
    assert account.standing(at(minutes=4)).active_strikes == (third,)


def test_removing_a_strike_twice_is_a_conflict() -> None:
    account = _registered()
    case = opened_case()
    policy = published_policy()
    strike = account.apply_decision(case.id, decided(case, policy, violating(), "d"), policy, LADDER, "r", T0)
    assert strike is not None
    account.remove_strike(strike.strike_id, "appeal overturned", "appeals:bob", at(days=1))
    account.collect_events()

    with pytest.raises(ConflictError):
        account.remove_strike(strike.strike_id, "appeal overturned", "appeals:bob", at(days=2))

    assert account.collect_events() == []
    assert account.strikes[strike.strike_id].removed_at == at(days=1)


def test_removing_an_unknown_strike_is_not_found() -> None:
    account = _registered()

    with pytest.raises(NotFoundError):
        account.remove_strike(Account.create_id("nobody"), "error", "appeals:bob", T0)

    assert account.collect_events() == []

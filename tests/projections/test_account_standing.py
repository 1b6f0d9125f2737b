from datetime import timedelta

import pytest

from app.read.store import ReadStore
from domain.account import Account
from domain.case import Case
from domain.detection import Detection
from domain.ladder import default_ladder
from domain.levels import StandingLevel
from domain.standing import Strike
from domain.values import Subject
from projections.account_standing.projection import AccountStandingProjection
from projections.account_standing.queries import find_account, find_strikes, records_before
from tests.domain.factories import (
    ACCOUNT,
    DOMAIN,
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
from tests.projections.statements import statements_of_one_and_many

LADDER = default_ladder("trust_safety")
STRUCK_AT = at(days=1)


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, AccountStandingProjection())


def _struck(feed: Feed, points: int = 2) -> tuple[Case, Account, Strike]:
    """A detection at T0, then a VIOLATING decision a day later that strikes the account."""
    detection = Detection.record(facts(), 1, "svc:classifier", T0)
    feed.save(detection)
    policy = published_policy(strike_points=points)
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", STRUCK_AT)
    decision = case.decide(decision_id("1"), policy, violating(), [detection], None, "reviewer:alice", STRUCK_AT)
    account = Account.register(ACCOUNT, "reviewer:alice", STRUCK_AT)
    strike = account.apply_decision(case.id, decision, policy, LADDER, "reviewer:alice", STRUCK_AT)
    assert strike is not None
    feed.save(case, account)
    return case, account, strike


def test_an_unknown_account_is_not_found(feed: Feed) -> None:
    assert feed.read(find_account, "nobody", at(days=1)) is None


def test_an_account_is_known_from_its_first_detection_in_good_standing(feed: Feed) -> None:
    feed.save(Detection.record(facts(), 1, "svc:classifier", T0))

    row = feed.read(find_account, ACCOUNT, T0)

    assert row is not None
    assert (row.account_id, row.first_seen_at, row.strikes) == (ACCOUNT, T0, ())
    assert row.standing.level is StandingLevel.GOOD


def test_an_account_is_not_found_as_of_a_moment_before_it_was_first_seen(feed: Feed) -> None:
    feed.save(Detection.record(facts(), 1, "svc:classifier", T0))

    assert feed.read(find_account, ACCOUNT, T0 - timedelta(microseconds=1)) is None


def test_registering_later_keeps_when_the_account_was_first_seen(feed: Feed) -> None:
    _struck(feed)

    row = feed.read(find_account, ACCOUNT, at(days=2))

    assert row is not None
    assert row.first_seen_at == T0


def test_an_account_with_one_strike_is_warned(feed: Feed) -> None:
    _, _, strike = _struck(feed, points=2)

    row = feed.read(find_account, ACCOUNT, at(days=2))

    assert row is not None
    assert row.strikes == (strike,)
    assert row.standing.level is StandingLevel.WARNED
    assert row.standing.strike_points == 2
    assert row.standing.active_strikes == (strike,)


def test_as_of_a_moment_before_the_strike_the_account_was_in_good_standing(feed: Feed) -> None:
    _struck(feed)

    row = feed.read(find_account, ACCOUNT, STRUCK_AT - timedelta(seconds=1))

    assert row is not None
    assert row.strikes == ()
    assert row.standing.level is StandingLevel.GOOD


def test_the_strike_counts_from_the_moment_it_was_issued(feed: Feed) -> None:
    _struck(feed)

    row = feed.read(find_account, ACCOUNT, STRUCK_AT)

    assert row is not None
    assert row.standing.level is StandingLevel.WARNED


def test_after_the_strike_expires_the_account_is_in_good_standing_again(feed: Feed) -> None:
    _, _, strike = _struck(feed)

    at_expiry = feed.read(find_account, ACCOUNT, strike.expires_at)
    just_before = feed.read(find_account, ACCOUNT, strike.expires_at - timedelta(microseconds=1))

    assert at_expiry is not None and just_before is not None
    assert at_expiry.standing.level is StandingLevel.GOOD
    assert at_expiry.strikes == (strike,)
    assert just_before.standing.level is StandingLevel.WARNED


def test_a_removed_strike_restores_good_standing_from_its_removal_on(feed: Feed) -> None:
    case, account, strike = _struck(feed)
    policy = published_policy()
    cleared = case.decide(decision_id("2"), policy, not_violating(), [], None, "appeals:bob", at(days=10))
    account.apply_decision(case.id, cleared, policy, LADDER, "appeals:bob", at(days=10))
    feed.save(case, account)

    after = feed.read(find_account, ACCOUNT, at(days=11))

    assert after is not None
    assert after.standing.level is StandingLevel.GOOD
    assert after.standing.strike_points == 0
    [removed] = after.strikes
    assert removed.strike_id == strike.strike_id
    assert removed.removed_at == at(days=10)
    assert removed.removal_reason == account.strikes[strike.strike_id].removal_reason


def test_as_of_a_moment_before_the_removal_the_strike_still_counted(feed: Feed) -> None:
    _, account, strike = _struck(feed)
    account.remove_strike(strike.strike_id, "appeal overturned", "appeals:bob", at(days=10))
    feed.save(account)

    before = feed.read(find_account, ACCOUNT, at(days=9))

    assert before is not None
    assert before.standing.level is StandingLevel.WARNED
    assert before.strikes == (strike,)
    assert (before.strikes[0].removed_at, before.strikes[0].removal_reason) == (None, None)


def test_find_strikes_returns_strikes_as_they_stand_now(feed: Feed) -> None:
    _, account, strike = _struck(feed)
    account.remove_strike(strike.strike_id, "appeal overturned", "appeals:bob", at(days=10))
    feed.save(account)

    found = feed.read(find_strikes, [str(strike.strike_id), "00000000-0000-0000-0000-000000000000"])

    assert list(found) == [str(strike.strike_id)]
    assert found[str(strike.strike_id)] == account.strikes[strike.strike_id]


def _account_work(accounts: range) -> list[object]:
    """Each account seen in a detection and a case, registered, struck with a penalty (zero tolerance), and the
    strike removed again, which lifts the penalty."""
    policy = published_policy(zero_tolerance=True)
    events: list[object] = []
    for i in accounts:
        account_id, subject = f"acct-{i}", Subject(DOMAIN, "pin", f"pin-{i}")
        detection = Detection.record(facts(subject=subject, account_id=account_id), 1, "svc:classifier", T0)
        case = Case.open(subject, account_id, "reviewer:alice", STRUCK_AT)
        decision = case.decide(decision_id(str(i)), policy, violating(), [detection], None, "reviewer:alice", STRUCK_AT)
        account = Account.register(account_id, "reviewer:alice", STRUCK_AT)
        strike = account.apply_decision(case.id, decision, policy, LADDER, "reviewer:alice", STRUCK_AT)
        assert strike is not None
        account.remove_strike(strike.strike_id, "appeal overturned", "appeals:bob", at(days=2))
        events += [*detection.collect_events(), *case.collect_events(), *account.collect_events()]
    return events


def test_a_batch_costs_the_same_statements_however_many_accounts_it_changes(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, AccountStandingProjection(), _account_work)

    assert one == many


def test_records_before_a_moment_hold_each_accounts_strikes_in_the_domain_as_they_stood_then(feed: Feed) -> None:
    _, account, strike = _struck(feed)
    account.remove_strike(strike.strike_id, "appeal overturned", "appeals:bo", at(days=3))
    feed.save(account)

    assert feed.read(records_before, [ACCOUNT, "nobody"], DOMAIN, STRUCK_AT) == {}
    [before_removal] = feed.read(records_before, [ACCOUNT], DOMAIN, at(days=2))[ACCOUNT].strikes
    assert (before_removal.strike_id, before_removal.removed_at) == (strike.strike_id, None)
    [after_removal] = feed.read(records_before, [ACCOUNT], DOMAIN, at(days=4))[ACCOUNT].strikes
    assert after_removal.removed_at == at(days=3)
    assert feed.read(records_before, [ACCOUNT], "ads", at(days=4)) == {}

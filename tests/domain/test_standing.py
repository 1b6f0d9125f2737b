from datetime import datetime, timedelta

from domain.base import natural_id
from domain.levels import StandingLevel
from domain.standing import Strike, standing_at
from tests.domain.factories import DOMAIN, POLICY_KEY, T0, at


def _strike(name: str, issued_at: datetime = T0, points: int = 1, lifetime: timedelta = timedelta(days=365),
            removed_at: datetime | None = None) -> Strike:
    return Strike(
        strike_id=natural_id("strike", name),
        domain=DOMAIN,
        policy_key=POLICY_KEY,
        policy_version=1,
        points=points,
        decision_id=natural_id("decision", name),
        case_id=natural_id("case", name),
        issued_at=issued_at,
        expires_at=issued_at + lifetime,
        removed_at=removed_at,
        removal_reason=None if removed_at is None else "appeal overturned",
    )


def test_no_strikes_is_good_standing() -> None:
    standing = standing_at([], T0)

    assert standing.level is StandingLevel.GOOD
    assert standing.strike_points == 0
    assert standing.active_strikes == ()


def test_one_active_point_is_warned() -> None:
    strike = _strike("a")

    standing = standing_at([strike], at(days=1))

    assert standing.level is StandingLevel.WARNED
    assert standing.strike_points == 1
    assert standing.active_strikes == (strike,)


def test_active_points_add_up_and_strikes_are_listed_oldest_first() -> None:
    newer = _strike("newer", issued_at=at(days=2), points=3)
    older = _strike("older", issued_at=at(days=1), points=2)

    standing = standing_at((newer, older), at(days=3))

    assert standing.level is StandingLevel.WARNED
    assert standing.strike_points == 5
    assert standing.active_strikes == (older, newer)


def test_a_strike_counts_from_the_moment_it_is_issued() -> None:
    strike = _strike("a", issued_at=at(minutes=10))

    assert standing_at([strike], at(minutes=10)).level is StandingLevel.WARNED


def test_a_strike_issued_after_the_moment_asked_about_does_not_count() -> None:
    strike = _strike("a", issued_at=at(minutes=10))

    standing = standing_at([strike], at(minutes=9))

    assert standing.level is StandingLevel.GOOD
    assert standing.active_strikes == ()


def test_a_strike_counts_until_just_before_it_expires() -> None:
    strike = _strike("a", lifetime=timedelta(days=365))

    assert standing_at([strike], strike.expires_at - timedelta(microseconds=1)).level is StandingLevel.WARNED


def test_a_strike_has_expired_at_its_expiry_moment() -> None:
    strike = _strike("a", lifetime=timedelta(days=365))

    standing = standing_at([strike], strike.expires_at)

    assert standing.level is StandingLevel.GOOD
    assert standing.strike_points == 0


def test_expired_strikes_do_not_count_but_live_ones_do() -> None:
    expired = _strike("old", issued_at=at(days=-400), points=5)
    live = _strike("new", issued_at=at(days=-10), points=1)

    standing = standing_at([expired, live], T0)

    assert standing.strike_points == 1
    assert standing.active_strikes == (live,)


def test_a_removed_strike_counts_before_its_removal() -> None:
    strike = _strike("a", removed_at=at(days=5))

    assert standing_at([strike], at(days=4)).level is StandingLevel.WARNED


def test_a_removed_strike_stops_counting_at_its_removal() -> None:
    strike = _strike("a", removed_at=at(days=5))

    assert standing_at([strike], at(days=5)).level is StandingLevel.GOOD
    assert standing_at([strike], at(days=6)).level is StandingLevel.GOOD
    assert standing_at([strike], at(days=6)).active_strikes == ()

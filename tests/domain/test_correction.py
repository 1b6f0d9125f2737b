"""Undoing a decision: actions reversed and strike removed together, and what cannot be undone."""

from datetime import timedelta

import pytest

from domain.account import Account
from domain.case import Case, Decision
from domain.correction import check_reversible, reverse_decision
from domain.errors import ConflictError, NotFoundError
from domain.ladder import Ladder, Rung
from domain.levels import PenaltyKind, StandingLevel
from tests.domain.factories import (
    ACCOUNT,
    DOMAIN,
    T0,
    at,
    decided,
    decision_id,
    not_violating,
    opened_case,
    published_policy,
    violating,
)

LADDER = Ladder(
    DOMAIN, timedelta(days=365), timedelta(days=180),
    (Rung(1, StandingLevel.WARNED), Rung(2, StandingLevel.RESTRICTED, PenaltyKind.FEATURE_LIMIT, None, ("go_live",))),
)


def _struck(points: int = 2) -> tuple[Account, Case, Decision]:
    """An account struck for one case's VIOLATING decision, with the penalty the ladder imposes."""
    account = Account.register(ACCOUNT, "reviewer:alice", T0)
    case = opened_case()
    policy = published_policy(strike_points=points)
    decision = decided(case, policy, violating(), "first", at(minutes=1))
    account.apply_decision(case.id, decision, policy, LADDER, "reviewer:alice", at(minutes=1))
    account.collect_events()
    return account, case, decision


def test_reversing_a_decision_reverses_its_actions_and_removes_its_strike_and_penalty() -> None:
    account, case, decision = _struck()
    assert account.standing(at(minutes=2)).level is StandingLevel.RESTRICTED

    reverse_decision(case, account, decision.decision_id, "wrong call", "decision reversed", "reviewer:bo", at(days=1))

    assert [type(e).__name__ for e in case.collect_events()] == ["ActionsReversed"]
    assert [type(e).__name__ for e in account.collect_events()] == ["StrikeRemoved", "PenaltyLifted"]
    assert case.live_decision(decision.policy_key) is None
    assert account.standing(at(days=1)).level is StandingLevel.GOOD


def test_reversing_without_an_account_reverses_only_the_actions() -> None:
    _, case, decision = _struck()

    reverse_decision(case, None, decision.decision_id, "wrong call", "reversed", "reviewer:bo", at(days=1))

    assert [type(e).__name__ for e in case.collect_events()] == ["ActionsReversed"]


def test_a_reversed_decision_cannot_be_reversed_again() -> None:
    account, case, decision = _struck()
    reverse_decision(case, account, decision.decision_id, "wrong call", "reversed", "reviewer:bo", at(days=1))

    with pytest.raises(ConflictError, match="already reversed"):
        check_reversible(case, decision.decision_id)


def test_an_unknown_or_not_violating_decision_cannot_be_reversed() -> None:
    _, case, _ = _struck()
    cleared = decided(case, published_policy(), not_violating(), "cleared", at(minutes=3))

    with pytest.raises(NotFoundError):
        check_reversible(case, decision_id("never"))
    with pytest.raises(ConflictError, match="NOT_VIOLATING"):
        check_reversible(case, cleared.decision_id)


def test_a_live_violating_decision_is_reversible() -> None:
    _, case, decision = _struck()

    assert check_reversible(case, decision.decision_id) == decision

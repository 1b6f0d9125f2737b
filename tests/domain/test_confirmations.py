"""Closing the loop: a policy says which systems confirm which actions by when; systems confirm, once each."""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.case import Case, Decision
from domain.confirmation import Confirmation, ConfirmationRule, ConfirmationStatus, Obligation
from domain.correction import reverse_decision
from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.values import Action, ActionType
from tests.domain.factories import at, decided, decision_id, opened_case, published_policy, terms, violating

RULES = (
    ConfirmationRule(ActionType.REMOVE, ("search", "boards"), 15),
    ConfirmationRule(ActionType.DEMOTE, ("ranking",), 60),
)


def _decided(*actions: Action) -> tuple[Case, Decision]:
    case = opened_case()
    policy = published_policy(confirmations=RULES)
    return case, decided(case, policy, violating(*actions), "d1", at(minutes=1))


def _confirm(
    case: Case, decision: Decision, system: str = "search", when: datetime | None = None, now: datetime | None = None,
    **changes: Any,
) -> tuple[Obligation, bool]:
    confirmation = Confirmation(decision.decision_id, ActionType.REMOVE, system, when or at(minutes=2), "job-1")
    return case.confirm(replace(confirmation, **changes), "svc:search", now or at(minutes=3))


def _statuses(case: Case, now: datetime) -> dict[tuple[str, str], ConfirmationStatus]:
    return {(str(a), s): o.status(now) for (_, a, s), o in case.obligations.items()}


def test_a_decision_pins_the_rules_for_its_own_actions_and_owes_each_system_a_confirmation() -> None:
    case, decision = _decided(Action(ActionType.REMOVE))

    assert decision.required_confirmations == (RULES[0],)
    assert _statuses(case, at(minutes=10)) == {
        ("REMOVE", "search"): ConfirmationStatus.PENDING, ("REMOVE", "boards"): ConfirmationStatus.PENDING,
    }
    assert {o.due_at for o in case.obligations.values()} == {at(minutes=16)}


def test_an_unconfirmed_action_is_overdue_once_its_time_has_passed() -> None:
    case, _ = _decided(Action(ActionType.REMOVE))

    assert set(_statuses(case, at(minutes=16)).values()) == {ConfirmationStatus.OVERDUE}


def test_a_confirmation_marks_that_system_applied_and_a_retry_records_nothing() -> None:
    case, decision = _decided(Action(ActionType.REMOVE))

    obligation, created = _confirm(case, decision)
    again, created_again = _confirm(case, decision, when=at(minutes=2, days=0) + timedelta(seconds=30))

    assert created and not created_again
    assert again == obligation
    assert [type(e).__name__ for e in case.collect_events()] == ["ActionApplied"]
    assert _statuses(case, at(days=1)) == {
        ("REMOVE", "search"): ConfirmationStatus.APPLIED, ("REMOVE", "boards"): ConfirmationStatus.OVERDUE,
    }


def test_a_reversed_decision_awaits_each_systems_undoing_which_a_reversal_confirmation_records() -> None:
    case, decision = _decided(Action(ActionType.REMOVE))
    _confirm(case, decision)
    reverse_decision(case, None, decision.decision_id, "wrong call", "reversed", "reviewer:bo", at(minutes=30))

    assert _statuses(case, at(minutes=31))[("REMOVE", "search")] is ConfirmationStatus.APPLIED
    assert _statuses(case, at(minutes=46))[("REMOVE", "search")] is ConfirmationStatus.OVERDUE

    _, created = _confirm(case, decision, when=at(minutes=32), now=at(minutes=33), reversal=True)

    assert created
    assert _statuses(case, at(days=1)) == {
        ("REMOVE", "search"): ConfirmationStatus.REVERSED, ("REMOVE", "boards"): ConfirmationStatus.OVERDUE,
    }


def test_undoing_cannot_be_confirmed_before_the_decision_is_reversed() -> None:
    case, decision = _decided(Action(ActionType.REMOVE))

    with pytest.raises(ConflictError, match="has not been reversed"):
        _confirm(case, decision, reversal=True)


def test_an_action_the_decision_did_not_take_or_an_unknown_decision_is_not_found() -> None:
    case, decision = _decided(Action(ActionType.REMOVE))

    with pytest.raises(NotFoundError, match="takes no DEMOTE"):
        case.confirm(Confirmation(decision.decision_id, ActionType.DEMOTE, "ranking", at(2)), "svc", at(3))
    with pytest.raises(NotFoundError, match="has no decision"):
        _confirm(case, replace(decision, decision_id=decision_id("unknown")))


def test_a_system_the_policy_does_not_ask_is_refused_naming_the_ones_it_does() -> None:
    case, decision = _decided(Action(ActionType.REMOVE))

    with pytest.raises(ValidationError, match="'search', 'boards'") as refused:
        _confirm(case, decision, system="serach")

    assert refused.value.field == "system"


@pytest.mark.parametrize(
    ("applied_at", "words"),
    [
        (at(days=-1), "lies before the decision"),
        (at(days=1), "lies in the future"),
        (at().replace(tzinfo=None), "must carry a time zone"),
        (datetime(1969, 12, 31, 23, 59, tzinfo=at().tzinfo), "must lie between"),
    ],
)
def test_an_applied_at_outside_what_is_possible_is_refused_and_records_nothing(
    applied_at: datetime, words: str
) -> None:
    case, decision = _decided(Action(ActionType.REMOVE))

    with pytest.raises(ValidationError, match=words) as refused:
        _confirm(case, decision, when=applied_at)

    assert refused.value.field == "appliedAt"
    assert case.collect_events() == []


def test_a_superseded_decision_no_longer_owes_what_it_never_had_applied() -> None:
    case, first = _decided(Action(ActionType.REMOVE))
    _confirm(case, first)
    policy = published_policy(confirmations=RULES)
    decided(case, policy, violating(Action(ActionType.DEMOTE)), "d2", at(minutes=5))

    owed = {(o.decision_id, s): o.status(at(days=1)) for (_, _, s), o in case.obligations.items()}
    assert owed[(first.decision_id, "search")] is ConfirmationStatus.APPLIED
    assert owed[(first.decision_id, "boards")] is ConfirmationStatus.PENDING
    assert case.obligations[(first.decision_id, ActionType.REMOVE, "boards")].due_at is None


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ((ConfirmationRule(ActionType.REJECT_AD, ("ads_serving",), 10),), "confirmations.action"),
        ((ConfirmationRule(ActionType.REMOVE, (), 10),), "confirmations.systems"),
        ((ConfirmationRule(ActionType.REMOVE, ("Search",), 10),), "confirmations.systems"),
        ((ConfirmationRule(ActionType.REMOVE, ("search", "search"), 10),), "confirmations.systems"),
        ((ConfirmationRule(ActionType.REMOVE, ("search",), 10), ConfirmationRule(ActionType.REMOVE, ("search",), 20)),
         "confirmations.systems"),
        ((ConfirmationRule(ActionType.REMOVE, ("search",), 0),), "confirmations.withinMinutes"),
        ((ConfirmationRule(ActionType.REMOVE, ("search",), 43_201),), "confirmations.withinMinutes"),
    ],
)
def test_a_policy_with_inconsistent_confirmation_rules_is_refused(
    rules: tuple[ConfirmationRule, ...], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        terms(confirmations=rules).validate()

    assert refused.value.field == field


def test_an_unknown_action_in_a_rule_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as refused:
        ConfirmationRule("ERASE", ("search",), 10)  # type: ignore[arg-type]

    assert refused.value.field == "confirmations.action"

"""The action confirmations read model, fed with real case events: what each system owes, and what is overdue."""

from datetime import datetime

import pytest

from app.read.store import ReadStore
from domain.case import Case, Decision
from domain.confirmation import Confirmation, ConfirmationRule, ConfirmationStatus
from domain.correction import reverse_decision
from domain.values import Action, ActionType, Subject
from projections.action_confirmations.projection import ActionConfirmationsProjection
from projections.action_confirmations.queries import decision_confirmations, overdue_confirmations, overdue_counts
from projections.action_confirmations.rows import ConfirmationRow, confirmation_rows
from tests.domain.factories import DOMAIN, at, decision_id, published_policy, violating
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_one_and_many

RULES = (
    ConfirmationRule(ActionType.REMOVE, ("search", "boards"), 15),
    ConfirmationRule(ActionType.DEMOTE, ("ranking",), 60),
)


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, ActionConfirmationsProjection())


def _decided(feed: Feed, pin: str = "pin-1", *actions: Action) -> tuple[Case, Decision]:
    case = Case.open(Subject(DOMAIN, "pin", pin), "acct-1", "reviewer:alice", at())
    decision = case.decide(
        decision_id(pin), published_policy(confirmations=RULES), violating(*actions), [], None, "reviewer:alice",
        at(minutes=1),
    )
    feed.save(case)
    return case, decision


def _confirm(feed: Feed, case: Case, decision: Decision, system: str, when: datetime, reversal: bool = False) -> None:
    confirmation = Confirmation(decision.decision_id, ActionType.REMOVE, system, when, f"{system}-1", reversal)
    case.confirm(confirmation, f"service:{system}", when)
    feed.save(case)


def _statuses(rows: list[ConfirmationRow], now: datetime) -> dict[tuple[str, str], str]:
    return {(str(r.obligation.action), r.obligation.system): str(r.obligation.status(now)) for r in rows}


def test_a_decision_owes_each_system_its_policy_names_for_the_actions_it_took(feed: Feed) -> None:
    case, decision = _decided(feed, "pin-1", Action(ActionType.REMOVE), Action(ActionType.DEMOTE))

    rows = feed.read(decision_confirmations, [str(decision.decision_id)])[str(decision.decision_id)]

    assert [(r.obligation.system, r.obligation.due_at) for r in rows] == [
        ("search", at(minutes=16)), ("boards", at(minutes=16)), ("ranking", at(minutes=61)),
    ]
    assert {(r.subject, r.account_id, r.policy_key) for r in rows} == {(case.subject, "acct-1", "spam")}
    assert rows == confirmation_rows(case, decision.decision_id)


def test_confirmations_and_a_reversal_move_each_system_on_as_the_case_does(feed: Feed) -> None:
    case, decision = _decided(feed, "pin-1", Action(ActionType.REMOVE))
    _confirm(feed, case, decision, "search", at(minutes=5))
    reverse_decision(case, None, decision.decision_id, "wrong call", "reversed", "reviewer:bo", at(minutes=30))
    feed.save(case)
    _confirm(feed, case, decision, "search", at(minutes=35), reversal=True)

    rows = feed.read(decision_confirmations, [str(decision.decision_id)])[str(decision.decision_id)]

    assert _statuses(rows, at(minutes=40)) == {("REMOVE", "search"): "REVERSED", ("REMOVE", "boards"): "PENDING"}
    assert _statuses(rows, at(minutes=45)) == {("REMOVE", "search"): "REVERSED", ("REMOVE", "boards"): "OVERDUE"}
    assert rows == confirmation_rows(case, decision.decision_id)


def test_overdue_confirmations_are_listed_longest_overdue_first_and_counted_by_domain_and_system(feed: Feed) -> None:
    first_case, first = _decided(feed, "pin-1", Action(ActionType.REMOVE), Action(ActionType.DEMOTE))
    _decided(feed, "pin-2", Action(ActionType.REMOVE))
    _confirm(feed, first_case, first, "search", at(minutes=5))

    listed = feed.read(overdue_confirmations, None, at(minutes=20), None, 10)
    page = feed.read(overdue_confirmations, [DOMAIN], at(minutes=20), _key(listed[0]), 1)

    assert sorted(r.subject.id for r in listed) == ["pin-1", "pin-2", "pin-2"]
    assert [_key(r) for r in listed] == sorted(_key(r) for r in listed)
    assert {r.obligation.status(at(minutes=20)) for r in listed} == {ConfirmationStatus.OVERDUE}
    assert page == [listed[1]]
    assert feed.read(overdue_confirmations, ["ads"], at(minutes=20), None, 10) == []
    assert feed.read(overdue_counts, at(minutes=20)) == [(DOMAIN, "boards", 2), (DOMAIN, "search", 1)]
    assert feed.read(overdue_counts, at(minutes=61)) == [(DOMAIN, "boards", 2), (DOMAIN, "ranking", 1),
                                                          (DOMAIN, "search", 1)]


def test_a_superseding_decision_takes_over_what_the_first_never_had_applied(feed: Feed) -> None:
    case, first = _decided(feed, "pin-1", Action(ActionType.REMOVE))
    _confirm(feed, case, first, "search", at(minutes=2))
    case.decide(decision_id("second"), published_policy(confirmations=RULES), violating(Action(ActionType.DEMOTE)), [],
                None, "reviewer:alice", at(minutes=3))
    feed.save(case)

    rows = feed.read(decision_confirmations, [str(first.decision_id)])[str(first.decision_id)]

    assert _statuses(rows, at(days=1)) == {("REMOVE", "search"): "APPLIED", ("REMOVE", "boards"): "PENDING"}
    assert rows == confirmation_rows(case, first.decision_id)


def _key(row: ConfirmationRow) -> tuple[datetime, str, str, str]:
    o = row.obligation
    assert o.due_at is not None
    return (o.due_at, str(o.decision_id), str(o.action), o.system)


def _work(items: range) -> list[object]:
    """Cases opened, decided, confirmed, reversed and re-decided: every event the read model reads."""
    events: list[object] = []
    policy = published_policy(confirmations=RULES)
    for n in items:
        case = Case.open(Subject(DOMAIN, "pin", f"pin-{n}"), "acct-1", "reviewer:alice", at())
        first = case.decide(decision_id(f"a-{n}"), policy, violating(), [], None, "reviewer:alice", at(minutes=1))
        case.confirm(Confirmation(first.decision_id, ActionType.REMOVE, "search", at(minutes=2)), "svc", at(2))
        second = case.decide(decision_id(f"b-{n}"), policy, violating(), [], None, "reviewer:alice", at(minutes=3))
        reverse_decision(case, None, second.decision_id, "wrong", "reversed", "reviewer:bo", at(minutes=4))
        case.confirm(Confirmation(second.decision_id, ActionType.REMOVE, "boards", at(5), None, True), "svc", at(5))
        events += case.collect_events()
    return events


def test_a_batch_of_events_costs_the_same_statements_however_many_decisions_it_changes(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, ActionConfirmationsProjection(), _work)

    assert one == many

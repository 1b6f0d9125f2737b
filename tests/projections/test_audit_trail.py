"""The audit trail read model: every event, what it touches, and the trails of subjects and accounts."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from datetime import timedelta

import pytest

import domain
from app.read.store import ReadStore
from domain.account import Account
from domain.appeal import Appeal, AppealOutcome
from domain.base import DocketAggregate
from domain.case import Case
from domain.detection import Detection
from domain.indexes import INDEX_EVENTS
from domain.ladder import default_ladder
from domain.policy import Policy
from domain.projection import Projection
from domain.values import Subject
from projections.audit_trail.projection import (
    MAX_SUMMARY,
    AuditTrailProjection,
    event_type_names,
)
from projections.audit_trail.queries import (
    account_trail,
    entries,
    positions,
    subject_trail,
)
from projections.audit_trail.rows import AuditEntryRow, EventQuery
from tests.domain.factories import (
    DOMAIN,
    T0,
    at,
    decision_id,
    declared_event,
    facts,
    terms,
    violating,
)
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_batch

PIN = Subject(DOMAIN, "pin", "pin-1")
OTHER = Subject(DOMAIN, "pin", "pin-2")
AD = Subject("ads", "ad", "ad/with/slashes")


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, AuditTrailProjection())


@dataclass
class Story:
    policy: Policy
    case: Case
    account: Account
    appeal: Appeal


def story(feed: Feed) -> Story:
    """A zero-tolerance decision on pin-1 terminates acct-1; the appeal overturns it and everything is undone."""
    policy = Policy.publish(DOMAIN, "spam", terms(zero_tolerance=True), "policy:carol", T0)
    feed.save(policy)
    detection = Detection.record(facts(subject=PIN, external_id="d1"), 1, "svc:classifier", at(1))
    feed.save(detection)
    feed.save(Detection.record(facts(subject=OTHER, external_id="d2", account_id="acct-2"), 1, "svc:llm", at(2)))
    case = Case.open(PIN, "acct-1", "reviewer:alice", at(10))
    decision = case.decide(decision_id("1"), policy, violating(), [detection], None, "reviewer:alice", at(10))
    account = Account.register("acct-1", "reviewer:alice", at(10))
    strike = account.apply_decision(case.id, decision, policy, default_ladder(DOMAIN), "reviewer:alice", at(10))
    assert strike is not None
    feed.save(case, account)
    appeal = Appeal.file(case, decision.decision_id, "Not spam.", timedelta(days=180), None, "user:acct-1", at(20))
    feed.save(appeal)
    appeal.resolve(AppealOutcome.OVERTURN, "Satire, not spam.", "reviewer:bo", at(30))
    case.reverse_actions(decision.decision_id, "Appeal overturned.", "reviewer:bo", at(30))
    account.remove_strike(strike.strike_id, "Appeal overturned.", "reviewer:bo", at(30))
    feed.save(appeal, case, account)
    return Story(policy, case, account, appeal)


def everything(feed: Feed) -> list[AuditEntryRow]:
    return feed.read(entries, EventQuery(), 0, 500)


def types(rows: list[AuditEntryRow]) -> list[str]:
    return [r.type for r in rows]


def test_the_index_knows_every_event_of_every_aggregate() -> None:
    """An event type the index does not read would silently drop out of filtered `events` and the trails; the write
    side's indexes are bookkeeping that no reader of the ledger shows."""
    modules = [importlib.import_module(f"domain.{m.name}") for m in pkgutil.iter_modules(domain.__path__)]
    aggregates = [c for m in modules for _, c in inspect.getmembers(m, inspect.isclass)
                  if issubclass(c, DocketAggregate) and c is not DocketAggregate and c.__module__ == m.__name__]
    declared = {
        f"{aggregate.__name__}.{name}"
        for aggregate in aggregates
        for name, member in vars(aggregate).items()
        if inspect.isclass(member) and issubclass(member, DocketAggregate.Event) and declared_event(name, member)
    }

    assert len(aggregates) == 24
    assert declared - {e.__qualname__ for e in INDEX_EVENTS} == event_type_names()


def test_every_event_is_indexed_in_ledger_order_with_actor_and_moment(feed: Feed) -> None:
    story(feed)

    rows = everything(feed)

    assert [r.position for r in rows] == list(range(1, feed.position + 1))
    assert types(rows) == [
        "Policy.Published", "Detection.Recorded", "Detection.Recorded", "Case.Opened", "Case.Decided",
        "Account.Registered", "Account.StrikeIssued", "Account.PenaltyImposed", "Appeal.Filed", "Appeal.Overturned",
        "Case.ActionsReversed", "Account.StrikeRemoved", "Account.PenaltyLifted",
    ]
    assert [r.actor for r in rows][:3] == ["policy:carol", "svc:classifier", "svc:llm"]
    assert [r.occurred_at for r in rows][:3] == [T0, at(1), at(2)]


def test_a_subjects_trail_holds_its_detections_case_events_and_appeal(feed: Feed) -> None:
    s = story(feed)

    trail = feed.read(subject_trail, PIN.key, 0, 500)

    assert types(trail) == [
        "Detection.Recorded", "Case.Opened", "Case.Decided", "Appeal.Filed", "Appeal.Overturned",
        "Case.ActionsReversed",
    ]
    assert {r.subject for r in trail} == {PIN}
    assert {r.stream_id for r in trail[1:3]} == {str(s.case.id)}
    assert feed.read(subject_trail, OTHER.key, 0, 500)[0].account_id == "acct-2"


def test_an_accounts_trail_holds_its_subjects_events_strikes_penalties_and_appeal(feed: Feed) -> None:
    story(feed)

    trail = feed.read(account_trail, "acct-1", 0, 500)

    assert types(trail) == [
        "Detection.Recorded", "Case.Opened", "Case.Decided", "Account.Registered", "Account.StrikeIssued",
        "Account.PenaltyImposed", "Appeal.Filed", "Appeal.Overturned", "Case.ActionsReversed",
        "Account.StrikeRemoved", "Account.PenaltyLifted",
    ]
    assert types(feed.read(account_trail, "acct-2", 0, 500)) == ["Detection.Recorded"]
    assert feed.read(account_trail, "nobody", 0, 500) == []


def test_events_that_name_only_an_id_take_the_domain_of_what_it_names(feed: Feed) -> None:
    s = story(feed)
    s.policy.revise(terms(strike_points=3), "policy:carol", at(40))
    feed.save(s.policy)

    by_type = {r.type: r for r in everything(feed)}

    assert by_type["Policy.Revised"].domain == DOMAIN
    assert by_type["Account.Registered"].domain is None  # an account spans domains
    for name in ("Account.StrikeRemoved", "Account.PenaltyLifted", "Appeal.Overturned", "Case.ActionsReversed"):
        assert (by_type[name].domain, by_type[name].account_id) == (DOMAIN, "acct-1"), name
    assert by_type["Account.StrikeIssued"].subject_key is None


def test_a_case_opened_without_an_account_counts_for_it_once_a_decision_names_it(feed: Feed) -> None:
    policy = Policy.publish("ads", "spam", terms(), "policy:carol", T0)
    feed.save(policy)
    case = Case.open(AD, None, "reviewer:alice", at(1))
    feed.save(case)
    made = case.decide(decision_id("ad"), policy, violating(), [], "adv-1", "reviewer:alice", at(2))
    feed.save(case)
    case.reverse_actions(made.decision_id, "Mistake.", "reviewer:alice", at(3))
    feed.save(case)

    assert types(feed.read(account_trail, "adv-1", 0, 500)) == ["Case.Decided", "Case.ActionsReversed"]
    trail = feed.read(subject_trail, AD.key, 0, 500)
    assert [r.subject for r in trail] == [AD, AD, AD]  # an id with slashes survives the subject key


def decisions(subjects: int) -> list[object]:
    """A policy, then each subject detected, its case opened and decided, its account registered and struck."""
    policy = Policy.publish(DOMAIN, "spam", terms(), "policy:carol", T0)
    events: list[object] = list(policy.collect_events())
    for i in range(subjects):
        subject, account_id = Subject(DOMAIN, "pin", f"pin-{i}"), f"acct-{i}"
        detection = Detection.record(facts(subject=subject, external_id=f"d{i}", account_id=account_id), 1,
                                     "svc:classifier", at(1))
        case = Case.open(subject, account_id, "reviewer:alice", at(2))
        decision = case.decide(decision_id(str(i)), policy, violating(), [detection], None, "reviewer:alice", at(2))
        account = Account.register(account_id, "reviewer:alice", at(2))
        account.apply_decision(case.id, decision, policy, default_ladder(DOMAIN), "reviewer:alice", at(2))
        events += [e for a in (detection, case, account) for e in a.collect_events()]
    return events


def test_a_batch_of_many_events_reads_the_references_once_and_writes_each_table_once(store: ReadStore) -> None:
    assert statements_of_batch(store, AuditTrailProjection(), decisions(50)) == 3


def test_the_filters_combine_and_page_after_a_position(feed: Feed) -> None:
    story(feed)

    def find(after: int = 0, limit: int = 500, **criteria: object) -> list[int]:
        return feed.read(positions, EventQuery(**criteria), after, limit)  # type: ignore[arg-type]

    assert find(types=("Detection.Recorded",)) == [2, 3]
    assert find(types=("Detection.Recorded", "Case.Decided")) == [2, 3, 5]
    assert find(actor="reviewer:bo") == [10, 11, 12, 13]
    assert find(actor="reviewer:bo", types=("Case.ActionsReversed",)) == [11]
    assert find(domains=(DOMAIN,), account_id="acct-2") == [3]
    assert find(domains=("ads",)) == []
    assert find(subject_key=PIN.key, account_id="acct-1", types=("Case.Opened", "Appeal.Filed")) == [4, 9]
    assert find(occurred_from=at(2), occurred_to=at(20)) == [3, 4, 5, 6, 7, 8]  # from inclusive, to exclusive
    assert find(occurred_from=at(30)) == [10, 11, 12, 13]
    assert find(after=5, limit=3) == [6, 7, 8]
    assert find(after=3, limit=2, account_id="acct-1") == [4, 5]
    several = ("Account.StrikeRemoved", "Detection.Recorded", "Case.Decided", "Account.StrikeIssued")
    assert find(types=several) == [2, 3, 5, 7, 12]
    assert find(after=2, limit=3, types=several) == [3, 5, 7]
    assert find(after=2, limit=3, domains=("ads", DOMAIN, "shopping"), actor="reviewer:alice") == [4, 5, 7]


def test_an_operators_skip_is_indexed_saying_which_read_model_skipped_what_and_why(feed: Feed) -> None:
    projection = Projection.register("appeals", "ops:ana", at(1))
    projection.skip_event(57, "Appeal.Filed", "IntegrityError: duplicate", "filed twice by a bad import", "ops:ana",
                          at(1))
    feed.save(projection)

    rows = everything(feed)

    assert types(rows) == ["Projection.Registered", "Projection.EventSkipped"]
    assert rows[1].actor == "ops:ana" and (rows[1].domain, rows[1].account_id) == (None, None)
    assert rows[1].summary == ("read model appeals skipped position 57 (Appeal.Filed), which it cannot apply: "
                               "filed twice by a bad import")


def test_every_summary_is_one_bounded_line(feed: Feed) -> None:
    story(feed)
    case = Case.open(OTHER, "acct-2", "reviewer:alice", at(50))
    feed.save(case)
    policy = Policy.publish("ads", "scam", terms(), "policy:carol", T0)
    feed.save(policy)
    policy.retire("x" * 5000 + "\nsecond line", "policy:carol", at(60))
    feed.save(policy)

    rows = everything(feed)

    assert all(0 < len(r.summary) <= MAX_SUMMARY and "\n" not in r.summary for r in rows)
    by_type = {r.type: r.summary for r in rows}
    assert by_type["Policy.Published"] == "policy ads/scam v1 published: MEDIUM, 1 strike point"
    assert by_type["Detection.Recorded"] == "CLASSIFIER detection under spam (confidence 0.93) by spam-clf-v7"
    assert by_type["Case.Decided"] == "decided VIOLATING under spam v1: REMOVE"
    assert by_type["Account.PenaltyImposed"].startswith("TERMINATION in trust_safety at 0 strike points")
    assert by_type["Appeal.Overturned"] == "appeal overturned: Satire, not spam."
    assert by_type["Policy.Retired"].endswith("…")

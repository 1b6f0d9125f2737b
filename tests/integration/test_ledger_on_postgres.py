"""The ledger on PostgreSQL: concurrent writers to one account, and a decision with its strike as one transaction."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import RecordConflictError

from app.config.database import Database
from app.config.settings import Settings
from app.read.store import read
from app.runtime.wiring import Runtime, open_runtime
from app.write.deciding import DecisionMade
from app.write.ledger import Ledger, StoredEvent
from domain.account import Account
from domain.case import Case, Verdict
from domain.notice import Notice, RecipientKind
from domain.values import Action, ActionType, Outcome, Subject
from projections.account_standing.queries import find_account
from tests.support import MovableClock

pytestmark = pytest.mark.postgres

WRITERS = 8
ACCOUNT_ID = "acct-shared"


@pytest.fixture
def pg_runtime(postgres_url: str, clock: MovableClock) -> Iterator[Runtime]:
    runtime = open_runtime(Settings(database_url=postgres_url), clock=clock)
    yield runtime
    runtime.close()


def violating(rationale: str = "Mass-posted link farm.") -> Verdict:
    return Verdict(outcome=Outcome.VIOLATING, actions=(Action(ActionType.REMOVE),), rationale=rationale)


def not_violating() -> Verdict:
    return Verdict(outcome=Outcome.NOT_VIOLATING, actions=(), rationale="Within policy.")


def pin(n: int) -> Subject:
    return Subject(domain="trust_safety", kind="pin", id=f"pin-{n}")


def decide(ledger: Ledger, n: int, account_id: str = ACCOUNT_ID) -> DecisionMade:
    return ledger.decide(pin(n), "spam", violating(), [], account_id, "alice")


def all_events(ledger: Ledger, after: int = 0) -> list[StoredEvent]:
    return ledger.read_events(after, 10_000)


def named(stored: StoredEvent) -> str:
    return type(stored.event).__qualname__


class RacingSaves:
    """Wraps the ledger's recorder's insert, where every save and write stores: each writer's first insert waits for
    all the others, so that all of them load the same account version before any of them stores; counts the conflicts
    that follow."""

    def __init__(self, ledger: Ledger, writers: int) -> None:
        self.insert = ledger.recorder.insert_events
        self.gate = threading.Barrier(writers, timeout=30)
        self.waited = threading.local()
        self.conflicts = 0
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not getattr(self.waited, "done", False):
            self.waited.done = True
            self.gate.wait()
        try:
            return self.insert(*args, **kwargs)
        except RecordConflictError:
            with self._lock:
                self.conflicts += 1
            raise


def decide_at_once(pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> tuple[list[DecisionMade], RacingSaves]:
    """WRITERS threads decide on different subjects of the same account, saving at the same moment."""
    ledger = pg_runtime.ledger
    racing = RacingSaves(ledger, WRITERS)
    monkeypatch.setattr(ledger.recorder, "insert_events", racing)
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = list(pool.map(lambda n: decide(ledger, n), range(WRITERS)))
    return results, racing


def test_concurrent_decisions_on_one_account_all_succeed_with_one_strike_each(
    pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = pg_runtime.ledger
    before = ledger.head()

    results, racing = decide_at_once(pg_runtime, monkeypatch)

    assert racing.conflicts >= WRITERS - 1  # the race happened, and the retries absorbed it
    assert all(r.created and r.strike is not None for r in results)
    assert len({r.decision.decision_id for r in results}) == WRITERS
    account = ledger.work.find(Account, Account.create_id(ACCOUNT_ID))
    assert account is not None and len(account.strikes) == WRITERS
    assert {s.case_id for s in account.strikes.values()} == {Case.create_id(pin(n)) for n in range(WRITERS)}
    assert {s.decision_id for s in account.strikes.values()} == {r.decision.decision_id for r in results}

    kinds = Counter(named(e) for e in all_events(ledger, before))
    assert (kinds["Case.Opened"], kinds["Case.Decided"], kinds["Account.StrikeIssued"]) == (WRITERS,) * 3
    assert kinds["Account.Registered"] == 1

    pg_runtime.projector.catch_up()
    row = read(pg_runtime.store, find_account, ACCOUNT_ID, ledger.clock())
    assert row is not None
    assert (row.standing.strike_points, len(row.strikes)) == (WRITERS, WRITERS)


def test_each_concurrent_decision_is_one_unbroken_run_of_events(
    pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = pg_runtime.ledger
    before = ledger.head()

    results, _ = decide_at_once(pg_runtime, monkeypatch)

    by_position = {e.position: e for e in all_events(ledger, before)}
    account_id = Account.create_id(ACCOUNT_ID)
    for result in results:
        opened = next(p for p, e in by_position.items() if named(e) == "Case.Opened"
                      and e.event.originator_id == result.case_id)
        # One transaction: consecutive positions from the case opening to the position reported,
        # and nothing in between from another writer.
        run = [by_position.get(p) for p in range(opened, result.position + 1)]
        assert None not in run
        notice_id = Notice.create_id(result.decision.decision_id, RecipientKind.ACCOUNT, ACCOUNT_ID)
        assert all(e.event.originator_id in (result.case_id, account_id, notice_id) for e in run if e is not None)
        names = [named(e) for e in run if e is not None]
        assert names[:2] == ["Case.Opened", "Case.Decided"]
        assert names[2:3] in (["Account.Registered"], ["Account.StrikeIssued"])
        assert "Account.StrikeIssued" in names
        assert names.count("Case.Decided") == names.count("Account.StrikeIssued") == 1
        assert names[-1] == "Notice.Issued"
        decided = run[1]
        strike = next(e for e in run if e is not None and named(e) == "Account.StrikeIssued")
        assert decided is not None and isinstance(decided.event, Case.Decided)
        assert decided.event.decision.decision_id == result.decision.decision_id
        assert isinstance(strike.event, Account.StrikeIssued)
        assert strike.event.strike.decision_id == result.decision.decision_id


def test_a_decision_and_its_strike_are_adjacent_in_the_ledger(pg_runtime: Runtime) -> None:
    ledger = pg_runtime.ledger
    ledger.decide(pin(0), "spam", not_violating(), [], ACCOUNT_ID, "alice")  # registers the account, no strike
    before = ledger.head()

    result = decide(ledger, 1)

    events = all_events(ledger, before)  # the ledger's record: the write side's index events are left out
    assert [named(e) for e in events] == ["Case.Opened", "Case.Decided", "Account.StrikeIssued", "Notice.Issued"]
    first = events[0].position
    assert [e.position for e in events] == [first, first + 1, first + 2, first + 3]
    decided, struck = events[1].event, events[2].event
    assert isinstance(decided, Case.Decided) and decided.decision.decision_id == result.decision.decision_id
    assert isinstance(struck, Account.StrikeIssued) and struck.strike.decision_id == result.decision.decision_id
    assert result.position == first + 3


def test_when_the_strike_cannot_be_stored_the_decision_is_not_stored_either(
    pg_runtime: Runtime, postgres_url: str
) -> None:
    ledger = pg_runtime.ledger
    database = Database.parse(postgres_url)
    with psycopg.connect(database.conninfo(), autocommit=True) as connection:
        connection.execute(
            """
            CREATE FUNCTION refuse_strikes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.topic LIKE '%StrikeIssued' THEN
                    RAISE EXCEPTION 'strikes are refused by this test';
                END IF;
                RETURN NEW;
            END $$
            """
        )
        connection.execute(
            "CREATE TRIGGER refuse_strikes BEFORE INSERT ON docket_events "
            "FOR EACH ROW EXECUTE FUNCTION refuse_strikes()"
        )
    before = ledger.head()

    with pytest.raises(Exception, match="strikes are refused by this test"):
        decide(ledger, 0)

    assert ledger.head() == before
    assert all_events(ledger, before) == []
    # A NOT_VIOLATING decision issues no strike, so the trigger lets it through: the setup is sound.
    cleared = ledger.decide(pin(0), "spam", not_violating(), [], ACCOUNT_ID, "alice")
    assert [named(e) for e in all_events(ledger, before)] == ["Case.Opened", "Case.Decided", "Account.Registered"]
    assert cleared.strike is None

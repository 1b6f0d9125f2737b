"""Batches on PostgreSQL: 10,000 subjects, runners racing for one batch, and reviewers deciding during a batch."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.config.settings import Settings
from app.read.projector import Projector
from app.read.store import read
from app.runtime.wiring import Runtime, open_runtime
from app.write.batches import CHUNK, _Run
from domain.account import Account
from domain.base import DocketAggregate
from domain.batch import MAX_SUBJECTS, Batch, BatchStatus, BatchSubject, SubjectStatus
from domain.case import Case, Verdict
from domain.values import Action, ActionType, Outcome, Subject
from projections.batch_progress.projection import BatchProgressProjection
from projections.batch_progress.queries import find_batch
from tests.support import MovableClock

pytestmark = pytest.mark.postgres

WAVE = Verdict(outcome=Outcome.VIOLATING, actions=(Action(ActionType.REMOVE),), rationale="Link-farm wave.")


@pytest.fixture
def pg_runtime(postgres_url: str, clock: MovableClock) -> Iterator[Runtime]:
    runtime = open_runtime(Settings(database_url=postgres_url), clock=clock)
    yield runtime
    runtime.close()


def wave(size: int, accounts: int) -> list[BatchSubject]:
    return [BatchSubject(Subject("trust_safety", "pin", f"pin-{i}"), f"acct-{i % accounts}") for i in range(size)]


def decisions_per_case(runtime: Runtime) -> Counter[object]:
    """How many Case.Decided events each case has in the ledger."""
    return Counter(
        s.event.originator_id for s in runtime.ledger.read_events(0, 1_000_000) if isinstance(s.event, Case.Decided)
    )


def test_ten_thousand_subjects_are_decided_and_rolled_back(
    pg_runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = pg_runtime.ledger
    started = time.perf_counter()
    run = ledger.bulk_decide("spam", WAVE, wave(MAX_SUBJECTS, accounts=1000), "big-wave", "reviewer:alice")
    decide_seconds = time.perf_counter() - started
    assert run.batch.status is BatchStatus.COMPLETED
    assert run.batch.counts() == {SubjectStatus.DECIDED: MAX_SUBJECTS}

    started = time.perf_counter()
    rolled_back = ledger.reverse_batch(run.batch.id, "misfire", "reviewer:bo")
    reverse_seconds = time.perf_counter() - started

    assert rolled_back.batch.counts() == {SubjectStatus.REVERSED: MAX_SUBJECTS}
    account = ledger.work.find(Account, Account.create_id("acct-7"))
    assert account is not None
    assert [s.removed_at is not None for s in account.strikes.values()] == [True] * 10
    Projector(ledger, pg_runtime.store, [BatchProgressProjection()]).catch_up()
    row = read(pg_runtime.store, find_batch, str(run.batch.id))
    assert (row.status, row.decided, row.reversed) == ("REVERSED", MAX_SUBJECTS, MAX_SUBJECTS)
    with capsys.disabled():
        print(f"\n10,000-subject batch on PostgreSQL (ledger): decided {decide_seconds:.1f}s, "
              f"rolled back {reverse_seconds:.1f}s")


def test_runners_racing_to_resume_one_batch_decide_each_subject_once(pg_runtime: Runtime) -> None:
    ledger = pg_runtime.ledger
    batch = Batch.start(
        Batch.create_id("reviewer:alice", "raced"), ledger.get_policy("trust_safety", "spam"), WAVE,
        wave(1200, accounts=50), "raced", "reviewer:alice", ledger.clock(),
    )
    ledger.save(batch)

    with ThreadPoolExecutor(max_workers=4) as pool:
        finished = list(pool.map(lambda _: ledger.resume_batch(batch.id), range(4)))

    assert {b.status for b in finished} == {BatchStatus.COMPLETED}
    assert ledger.get_batch(batch.id).counts() == {SubjectStatus.DECIDED: 1200}
    per_case = decisions_per_case(pg_runtime)
    assert len(per_case) == 1200 and set(per_case.values()) == {1}
    account = ledger.work.find(Account, Account.create_id("acct-3"))
    assert account is not None
    strikes = account.strikes.values()
    assert len(strikes) == 24 and len({s.case_id for s in strikes}) == 24


def test_a_runner_that_loses_every_save_to_another_runner_still_finishes_the_batch(
    pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = pg_runtime.ledger
    batch = Batch.start(
        Batch.create_id("reviewer:alice", "outrun"), ledger.get_policy("trust_safety", "spam"), WAVE,
        wave(CHUNK * 12, accounts=50), "outrun", "reviewer:alice", ledger.clock(),
    )
    ledger.save(batch)
    store = ledger.work.store
    interloping: list[bool] = []

    def outrun(*aggregates: DocketAggregate | None) -> int:
        """Before each save of this runner, another runner decides the next chunk of the batch."""
        if not interloping:
            interloping.append(True)
            other = _Run()
            other.batch = ledger.get_batch(batch.id)
            ledger.batches._decide_chunk(other)
            interloping.clear()
        return store(*aggregates)

    monkeypatch.setattr(ledger.work, "store", outrun)
    finished = ledger.resume_batch(batch.id)

    assert finished.status is BatchStatus.COMPLETED
    assert finished.counts() == {SubjectStatus.DECIDED: CHUNK * 12}
    assert set(decisions_per_case(pg_runtime).values()) == {1}


def test_reviewers_deciding_during_a_batch_never_give_a_case_two_strikes(pg_runtime: Runtime) -> None:
    ledger = pg_runtime.ledger
    order = wave(1000, accounts=20)

    with ThreadPoolExecutor(max_workers=2) as pool:
        bulk = pool.submit(ledger.bulk_decide, "spam", WAVE, order, "contended", "reviewer:alice")
        for item in order[::-50]:  # from the far end, so that some land before the batch reaches them
            ledger.decide(item.subject, "spam", WAVE, [], item.account_id, "reviewer:carol")
        run = bulk.result()

    counts = run.batch.counts()
    assert run.batch.status is BatchStatus.COMPLETED
    assert counts[SubjectStatus.DECIDED] + counts[SubjectStatus.SKIPPED] == 1000
    for account_number in range(20):
        account = ledger.work.find(Account, Account.create_id(f"acct-{account_number}"))
        assert account is not None
        live = [s for s in account.strikes.values() if s.removed_at is None]
        assert len(live) == len({s.case_id for s in live}) == 50

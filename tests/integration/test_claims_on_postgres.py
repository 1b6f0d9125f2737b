"""Claims on PostgreSQL: reviewers racing in two processes' worth of connections never get the same case."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from app.config.settings import Settings
from app.runtime.claiming import NextClaim, claim_next
from app.runtime.wiring import Runtime, open_runtime
from domain.case import Case
from domain.claims import DEFAULT_LEASE
from domain.report import Notice, ReporterKind
from domain.routing import RoutingRule
from domain.values import Subject
from tests.support import MovableClock

pytestmark = pytest.mark.postgres

QUEUE = "ts_general"


@pytest.fixture
def runtimes(postgres_url: str, clock: MovableClock) -> Iterator[tuple[Runtime, Runtime]]:
    """Two runtimes on one database, each with its own pools and projector, as two `docket serve` replicas."""
    first = open_runtime(Settings(database_url=postgres_url), clock=clock)
    second = open_runtime(Settings(database_url=postgres_url), clock=clock, prepare=False)
    for runtime in (first, second):
        runtime.projector.start(runtime.recorded)
    yield first, second
    for runtime in (first, second):
        runtime.close()


def pin(n: int) -> Subject:
    return Subject("trust_safety", "pin", f"pin-{n}")


def waiting_work(runtime: Runtime, cases: int) -> None:
    ledger = runtime.ledger
    ledger.create_queue(QUEUE, "trust_safety", "Everyday review", "ops:lee")
    ledger.set_routing([RoutingRule(QUEUE, domains=("trust_safety",))], QUEUE, "ops:lee")
    for n in range(cases):
        notice = Notice(pin(n), "acct-1", f"user-{n}", ReporterKind.USER, "spam", "Scam link.")
        ledger.submit_report(notice, f"r-{n}", "svc:intake")
    # claimNext picks candidates from the review queue as it stands: reviewers reach for work it already shows.
    assert runtime.projector.wait_for(ledger.head(), 30)


def race(runtimes: tuple[Runtime, Runtime], reviewers: int) -> list[NextClaim | None]:
    """Every reviewer calls claimNext at the same moment, half of them through each runtime."""
    start = threading.Barrier(reviewers)

    def reviewer(n: int) -> NextClaim | None:
        start.wait()
        return claim_next(runtimes[n % 2], QUEUE, DEFAULT_LEASE, f"reviewer-{n}")

    with ThreadPoolExecutor(max_workers=reviewers) as pool:
        return list(pool.map(reviewer, range(reviewers)))


def test_reviewers_claiming_at_the_same_moment_all_get_different_cases(runtimes: tuple[Runtime, Runtime]) -> None:
    waiting_work(runtimes[0], cases=8)

    claims = race(runtimes, reviewers=8)

    taken = [c for c in claims if c is not None]
    assert len(taken) == 8
    assert len({c.taken.case.id for c in taken}) == 8
    holders = {Case.create_id(c.entry.subject): c.taken.claim.holder for c in taken}
    for case_id, holder in holders.items():
        assert runtimes[0].ledger.repository.get(case_id).claim.holder == holder


def test_when_reviewers_outnumber_cases_the_rest_get_nothing_rather_than_a_shared_case(
    runtimes: tuple[Runtime, Runtime], clock: MovableClock
) -> None:
    waiting_work(runtimes[0], cases=3)

    claims = race(runtimes, reviewers=6)

    taken = [c.taken.case.id for c in claims if c is not None]
    assert len(taken) == 3
    assert len(set(taken)) == 3
    # Once the leases run out, the cases go back to the queue.
    clock.advance(DEFAULT_LEASE + timedelta(seconds=1))
    again = claim_next(runtimes[1], QUEUE, DEFAULT_LEASE, "late-reviewer")
    assert again is not None
    assert again.taken.case.id in taken

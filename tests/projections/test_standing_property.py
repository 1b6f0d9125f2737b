"""Property: the account standing read model always gives the standing the ladder rules give.

Random sequences of decisions, appeals and clock moves run against a real ledger and read store
(SQLite). After every step the standing the read model holds (`find_account`), and the one replaying
the account's events gives, must equal what an independent model of the ladder rules says
(tests/projections/standing_model.py), now and as of every earlier step's moment; and asked about
an earlier moment, the read model must still say what it said then: history is never rewritten.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import AggregateNotFoundError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.config.settings import Settings
from app.read.store import read
from app.runtime.wiring import Runtime, open_runtime
from domain.account import Account
from domain.appeal import Appeal, AppealOutcome
from domain.case import Verdict
from domain.errors import DocketError
from domain.standing import Standing
from domain.values import Action, ActionType, Outcome, Subject
from projections.account_standing.queries import find_account
from tests.projections.standing_model import StandingModel
from tests.support import START, MovableClock

# Per domain: the subjects' kind, and policies with an action each allows (child_safety is zero tolerance;
# violent_extremism is worth 3 points). Repeats weight the draw.
DOMAINS = {
    "trust_safety": ("post", ["spam", "spam", "harassment", "violent_extremism", "child_safety"], ActionType.REMOVE),
    "ads": ("ad", ["misleading_claims", "misleading_claims", "prohibited_products"], ActionType.REJECT_AD),
}
SUBJECTS = 3


@dataclass(frozen=True)
class Decide:
    domain: str
    subject: int
    policy: int
    violating: bool


@dataclass(frozen=True)
class AppealStep:
    pick: int
    overturn: bool


@dataclass(frozen=True)
class Advance:
    by: timedelta


DAY = 86_400
decide_steps = st.builds(
    Decide,
    domain=st.sampled_from(sorted(DOMAINS)),
    subject=st.integers(0, SUBJECTS - 1),
    policy=st.integers(0, 4),
    violating=st.sampled_from([True, True, False]),
)
appeal_steps = st.builds(AppealStep, pick=st.integers(0, 50), overturn=st.booleans())
advance_steps = st.builds(
    Advance,
    by=st.one_of(
        st.integers(1, 200 * DAY).map(lambda s: timedelta(seconds=s)),
        # Exact ladder durations, so that moments land on expiries and penalty ends.
        st.sampled_from([1, 3, 7, 30, 90, 180, 365]).map(lambda d: timedelta(days=d)),
    ),
)
steps = st.lists(st.one_of(decide_steps, decide_steps, appeal_steps, advance_steps), min_size=1, max_size=14)


def summary(standing: Standing) -> tuple[Any, ...]:
    """What must agree: levels, points, the active strikes and the penalties in force (with their ends)."""
    return (
        standing.level,
        standing.strike_points,
        sorted(str(s.strike_id) for s in standing.active_strikes),
        sorted((str(p.cause_strike_id), str(p.kind), p.ends_at) for d in standing.domains for p in d.penalties),
        None if standing.penalty is None else (standing.penalty.kind, standing.penalty.ends_at),
        [(d.domain, d.level, d.strike_points) for d in standing.domains],
    )


@pytest.fixture
def runtime(sqlite_url: str) -> Iterator[Runtime]:
    """One ledger and read store for the whole test; each example uses an account of its own."""
    opened = open_runtime(Settings(database_url=sqlite_url), clock=MovableClock())
    yield opened
    opened.close()


class Scenario:
    """One hypothesis example: an account of its own, its subjects, and what was decided."""

    def __init__(self, runtime: Runtime, account_id: str) -> None:
        self.runtime = runtime
        self.ledger = runtime.ledger
        self.clock: MovableClock = runtime.ledger.clock  # type: ignore[assignment]
        # Accounts share nothing, so every example may start at the same moment.
        self.clock.now = START
        self.account_id = account_id
        self.violating: list[tuple[UUID, UUID, tuple[str, str]]] = []
        """(case id, decision id, the model's name for the case under the policy) of every VIOLATING decision,
        live or not."""
        self.model = StandingModel(self.ledger.ladders)
        self.seen: dict[datetime, tuple[Any, ...] | None] = {}
        """The read model's standing at each moment a step ended, as it said then."""

    def run(self, step: Decide | AppealStep | Advance) -> None:
        if isinstance(step, Advance):
            self.clock.advance(step.by)
        elif isinstance(step, Decide):
            self.decide(step)
        else:
            self.appeal(step)

    def decide(self, step: Decide) -> None:
        kind, policies, action = DOMAINS[step.domain]
        policy = policies[step.policy % len(policies)]
        subject = Subject(step.domain, kind, f"{self.account_id}-{step.domain}-{step.subject}")
        verdict = Verdict(
            outcome=Outcome.VIOLATING if step.violating else Outcome.NOT_VIOLATING,
            actions=(Action(action),) if step.violating else (),
            rationale="reviewed",
        )
        made = self.ledger.decide(subject, policy, verdict, [], self.account_id, "alice")
        case = (subject.key, policy)
        terms = self.ledger.get_policy(step.domain, policy).terms
        self.model.decide(case, step.domain, terms, step.violating, made.decision.decision_id, self.clock())
        if step.violating:
            self.violating.append((made.case_id, made.decision.decision_id, case))

    def appeal(self, step: AppealStep) -> None:
        if not self.violating:
            return
        case_id, decision_id, case = self.violating[step.pick % len(self.violating)]
        try:
            self.ledger.file_appeal(case_id, decision_id, "please look again", None, "owner")
            outcome = AppealOutcome.OVERTURN if step.overturn else AppealOutcome.UPHOLD
            self.ledger.resolve_appeal(Appeal.create_id(decision_id), outcome, "looked again", "bo")
        except DocketError:
            return  # appealed already, superseded, or out of the window: not allowed, nothing written
        if step.overturn:
            self.model.remove(case, self.clock())

    def replayed(self) -> Account | None:
        try:
            account: object = self.ledger.repository.get(Account.create_id(self.account_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(account, Account)
        return account

    def read_model(self, at: datetime) -> tuple[Any, ...] | None:
        row = read(self.runtime.store, find_account, self.account_id, at, self.ledger.ladders)
        return None if row is None else summary(row.standing)

    def check(self) -> None:
        self.runtime.projector.catch_up()
        now = self.clock()
        account = self.replayed()
        if account is None:
            assert self.model.summary(now) is None
            assert self.read_model(now) is None
            return
        self.seen[now] = self.read_model(now)
        for at, then in self.seen.items():
            expected = self.model.summary(at)
            replayed = summary(account.standing(at))
            assert replayed == expected, f"events and the ladder rules disagree at {at} (now {now})"
            assert self.read_model(at) == expected, f"read model and the ladder rules disagree at {at} (now {now})"
            assert self.read_model(at) == then, f"the standing at {at} changed after the fact (now {now})"


ACCOUNTS = itertools.count()


def test_the_read_model_and_replayed_standing_follow_the_ladder_rules_now_and_as_of_every_earlier_step(
    runtime: Runtime,
) -> None:
    @settings(max_examples=150, deadline=None)
    # A feature limit that lasts while 2 points hold, over 3 points issued a day apart: it ends when the second expires.
    @example(steps=[Decide("trust_safety", 0, 0, True), Advance(timedelta(days=1)),
                    Decide("trust_safety", 1, 0, True), Advance(timedelta(days=1)), Decide("trust_safety", 2, 0, True)])
    # That feature limit lifted when a decision clears a strike, and a new one imposed when 2 points return.
    @example(steps=[Decide("trust_safety", 0, 0, True), Decide("trust_safety", 1, 0, True),
                    Decide("trust_safety", 1, 0, False), Advance(timedelta(days=1)),
                    Decide("trust_safety", 2, 0, True)])
    @given(steps=steps)
    def check(steps: list[Decide | AppealStep | Advance]) -> None:
        scenario = Scenario(runtime, f"acct-{next(ACCOUNTS)}")
        for step in steps:
            scenario.run(step)
            scenario.check()

    check()


violating_decides = st.builds(
    Decide, domain=st.sampled_from(sorted(DOMAINS)), subject=st.integers(0, SUBJECTS - 1),
    policy=st.integers(0, 4), violating=st.just(True),
)
# Hours, or most of an ads strike's 90-day life: moments where a strike expires while a penalty runs.
short_or_long_steps = st.builds(
    Advance,
    by=st.one_of(st.integers(1, 240), st.integers(80 * 24, 100 * 24)).map(lambda h: timedelta(hours=h)),
)
LATER = [timedelta(0), timedelta(hours=12), *(timedelta(days=d) for d in (1, 3, 7, 10, 30, 90, 180, 200, 365, 400))]


def settled(standing: Standing) -> tuple[Any, ...]:
    """The summary, less domains in good standing with no points (a removed strike still names its domain)."""
    *rest, domains = summary(standing)
    return (*rest, [d for d in domains if d[1:] != ("GOOD", 0)])


def test_a_strike_reversed_at_the_moment_it_was_issued_leaves_the_standing_as_it_was_now_and_later(
    runtime: Runtime,
) -> None:
    """No removal before: a mistaken strike, struck and cleared at once, must change nothing.

    In particular, its removal must not lift a penalty that earlier strikes imposed and that still
    follows from them (such as a timed hold running on after one of its strikes expired).
    """

    @settings(max_examples=100, deadline=None)
    # A week's ads hold running on after one of its two strikes expired: the reversed strike must not lift it.
    @example(
        prefix=[Decide("ads", 0, 0, True), Advance(timedelta(days=89)), Decide("ads", 1, 0, True),
                Advance(timedelta(days=2))],
        domain="ads", policy=0,
    )
    @given(
        prefix=st.lists(st.one_of(violating_decides, violating_decides, advance_steps, short_or_long_steps),
                        min_size=1, max_size=12),
        domain=st.sampled_from(sorted(DOMAINS)),
        policy=st.integers(0, 4),
    )
    def check(prefix: list[Decide | Advance], domain: str, policy: int) -> None:
        scenario = Scenario(runtime, f"acct-{next(ACCOUNTS)}")
        for step in prefix:
            scenario.run(step)
        now = scenario.clock()
        account = scenario.replayed()
        before = None if account is None else [settled(account.standing(now + d)) for d in LATER]

        mistaken = Decide(domain, SUBJECTS, policy, violating=True)  # a subject of its own
        scenario.run(mistaken)
        scenario.run(Decide(domain, SUBJECTS, policy, violating=False))

        account = scenario.replayed()
        assert account is not None
        after = [settled(account.standing(now + d)) for d in LATER]
        if before is None:
            assert all(s == ("GOOD", 0, [], [], None, []) for s in after)
        else:
            assert after == before
        scenario.check()

    check()

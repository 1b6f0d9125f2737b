"""A model of account standing written from the ladder rules alone: the property test's oracle.

It shares no code with domain/standing.py or domain/account.py. It keeps its own strikes and penalties
from what the test did, reads the ladders' lifetimes and rungs as data, and answers by counting.
The rules, as app/ladders.toml states them:

- a strike counts from its issue until its lifetime ends, unless removed; a case counts once under a
  policy until its strike is removed;
- a strike that newly reaches a rung imposes the rung's penalty: for its duration, or while the points
  hold; a zero-tolerance policy terminates the account, whatever the ladder;
- removing a strike lifts the running penalties that no longer follow: a termination whose strike is
  gone, a points-bound penalty whose points are gone, a timed one only if neither the points now nor
  the strikes it was imposed for (less the removed ones) reach its rung;
- a domain's level is the worst of WARNED (any point) and its penalties in force; the account's is
  the worst of its domains'.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.base import natural_id
from domain.ladder import Ladder
from domain.policy import PolicyTerms

LEVELS = ["GOOD", "WARNED", "RESTRICTED", "SUSPENDED", "TERMINATED"]
PENALTY_LEVELS = {"FEATURE_LIMIT": "RESTRICTED", "SUSPENSION": "SUSPENDED", "TERMINATION": "TERMINATED"}


@dataclass
class Strike:
    strike_id: str
    domain: str
    points: int
    issued: datetime
    expires: datetime
    removed: datetime | None = None

    def counts_at(self, at: datetime) -> bool:
        return self.issued <= at < self.expires and not (self.removed is not None and self.removed <= at)


@dataclass
class Penalty:
    cause: Strike
    kind: str
    rung: int
    """The points it was imposed at; 0 for a zero-tolerance termination."""
    start: datetime
    end: datetime | None
    """For a rung with a duration."""
    while_points_hold: bool
    lifted: datetime | None = None


def worst(levels: list[str]) -> str:
    return max(levels, key=LEVELS.index)


class StandingModel:
    """One account's strikes and penalties, kept from the decisions and removals the test made."""

    def __init__(self, ladders: Callable[[str], Ladder]) -> None:
        self.ladders = ladders
        self.registered: datetime | None = None
        self.strikes: list[Strike] = []
        self.penalties: list[Penalty] = []
        self.live: dict[Hashable, Strike] = {}
        """The strike each case counts under a policy, until it is removed."""

    def points(self, domain: str, at: datetime, strikes: list[Strike] | None = None) -> int:
        """The domain's active points at `at`, over all strikes or the ones given."""
        chosen = self.strikes if strikes is None else strikes
        return sum(s.points for s in chosen if s.domain == domain and s.counts_at(at))

    def decide(
        self, case: Hashable, domain: str, terms: PolicyTerms, violating: bool, decision_id: UUID, at: datetime
    ) -> None:
        self.registered = self.registered or at
        if not violating:
            if case in self.live:
                self.remove(case, at)
            return
        if case in self.live:
            return
        ladder = self.ladders(domain)
        points = terms.strike_points * ladder.severity_weights.get(str(terms.severity), 1)
        before = self.points(domain, at)
        strike = Strike(str(natural_id("strike", str(decision_id))), domain, points, at, at + ladder.strike_lifetime)
        self.strikes.append(strike)
        self.live[case] = strike
        if terms.zero_tolerance:
            self.penalties.append(Penalty(strike, "TERMINATION", 0, at, None, False))
            return
        reached = [r for r in ladder.rungs if r.points <= before + points]
        if reached and reached[-1].penalty is not None and reached[-1].points > before:
            rung = reached[-1]
            end = None if rung.duration is None else at + rung.duration
            bound = end is None and rung.penalty != "TERMINATION"
            self.penalties.append(Penalty(strike, str(rung.penalty), rung.points, at, end, bound))

    def remove(self, case: Hashable, at: datetime) -> None:
        """The case's strike under a policy is removed (superseded or overturned), with what no longer follows."""
        strike = self.live.pop(case, None)
        if strike is None:
            return
        strike.removed = at
        for penalty in self.penalties:
            running = penalty.lifted is None and (penalty.end is None or at < penalty.end)
            if running and self.no_longer_follows(penalty, at):
                penalty.lifted = at

    def no_longer_follows(self, penalty: Penalty, at: datetime) -> bool:
        domain = penalty.cause.domain
        if penalty.rung == 0:
            return penalty.cause.removed is not None
        if self.points(domain, at) >= penalty.rung:
            return False
        if penalty.while_points_hold:
            return True
        unremoved = [s for s in self.strikes if s.removed is None]
        return self.points(domain, penalty.start, unremoved) < penalty.rung

    def summary(self, at: datetime) -> tuple[Any, ...] | None:
        """The standing at `at` (now or earlier), in the shape of the property test's `summary`."""
        if self.registered is None or at < self.registered:
            return None
        known = [s for s in self.strikes if s.issued <= at]
        domains = []
        in_force: list[tuple[str, str, datetime | None]] = []
        for domain in sorted({s.domain for s in known}):
            active = [s for s in known if s.domain == domain and s.counts_at(at)]
            points = sum(s.points for s in active)
            levels = ["WARNED" if points else "GOOD"]
            for p in self.penalties:
                lifted = p.lifted is not None and p.lifted <= at
                ended = p.end is not None and at >= p.end
                if p.cause.domain != domain or p.start > at or lifted or ended:
                    continue
                if p.while_points_hold and points < p.rung:
                    continue
                # A points-bound penalty ends, unless something changes, when enough active strikes expire.
                end = p.end if not p.while_points_hold else min(
                    e.expires for e in active if sum(s.points for s in active if s.expires > e.expires) < p.rung
                )
                in_force.append((p.cause.strike_id, p.kind, end))
                levels.append(PENALTY_LEVELS[p.kind])
            domains.append((domain, worst(levels), points))
        active_ids = sorted(s.strike_id for s in known if s.counts_at(at))
        heaviest = max(
            in_force, key=lambda p: (LEVELS.index(PENALTY_LEVELS[p[1]]), p[2] is None, p[2] or at), default=None
        )
        return (
            worst(["GOOD", *(d[1] for d in domains)]),
            sum(d[2] for d in domains),
            active_ids,
            sorted(in_force),
            None if heaviest is None else heaviest[1:],
            domains,
        )

"""Strike ladders: how a domain turns active strike points into a standing level and a penalty."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from domain.dsa import RUNG_DECISIONS
from domain.errors import ValidationError
from domain.levels import PenaltyKind, StandingLevel
from domain.policy import PolicyTerms

MAX_DURATION = timedelta(days=36_500)
"""The longest strike lifetime, appeal window or penalty a ladder may set: about a century, which added to any time
Docket accepts (`values.LATEST_TIME`) still gives a time Python can hold."""


@dataclass(frozen=True)
class Rung:
    """From `points` active points on, this rung applies; its penalty lasts `duration`, or while the points hold."""

    points: int
    level: StandingLevel
    penalty: PenaltyKind | None = None
    duration: timedelta | None = None
    features: tuple[str, ...] = ()
    dsa_decision: str | None = None
    """What the penalty is in a statement of reasons (e.g. DECISION_MONETARY_SUSPENSION); None: as its kind says."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", StandingLevel(self.level))
        if self.penalty is not None:
            object.__setattr__(self, "penalty", PenaltyKind(self.penalty))
        object.__setattr__(self, "features", tuple(self.features))

    def describe(self) -> str:
        if self.penalty is None:
            return f"{self.points}+ points: {self.level}"
        if self.penalty is PenaltyKind.TERMINATION:
            lasting = "permanently"
        elif self.duration is None:
            lasting = f"while {self.points}+ points stay active"
        else:
            lasting = f"for {_days(self.duration)}"
        limits = f" ({', '.join(self.features)})" if self.features else ""
        return f"{self.points}+ points: {self.level}, {self.penalty.lower().replace('_', ' ')}{limits} {lasting}"


@dataclass(frozen=True)
class Ladder:
    """A domain's strike rules: points per policy, strike lifetime, appeal window and rungs."""

    domain: str
    strike_lifetime: timedelta
    appeal_window: timedelta
    rungs: tuple[Rung, ...]
    severity_weights: dict[str, int] = field(default_factory=dict)

    def validate(self) -> Ladder:
        problem = self.problem()
        if problem is not None:
            raise ValidationError(f"ladder {self.domain}: {problem[1]}", "ladders")
        return self

    def problem(self) -> tuple[int | None, str] | None:
        """What makes the ladder inconsistent, if anything: the index of the culprit rung, and why."""
        for name, duration in (("strike lifetime", self.strike_lifetime), ("appeal window", self.appeal_window)):
            if not timedelta(0) < duration <= MAX_DURATION:
                return None, f"the {name} must be positive and at most {_days(MAX_DURATION)}"
        for severity, weight in self.severity_weights.items():
            if weight < 0:
                return None, f"the severity weight of {severity} must not be negative"
        previous: Rung | None = None
        for index, rung in enumerate(self.rungs):
            if rung.points < 1:
                return index, f"rung at {rung.points} points: thresholds start at 1"
            if previous is not None and rung.points <= previous.points:
                return index, f"rung at {rung.points} points overlaps the rung at {previous.points} points"
            if rung.duration is not None and not timedelta(0) < rung.duration <= MAX_DURATION:
                limit = _days(MAX_DURATION)
                return index, f"rung at {rung.points} points: the duration must be positive and at most {limit}"
            if rung.penalty is None and rung.level not in (StandingLevel.GOOD, StandingLevel.WARNED):
                return index, f"rung at {rung.points} points: level {rung.level} needs a penalty"
            if rung.penalty is not None and rung.penalty.level != rung.level:
                return index, f"rung at {rung.points} points: a {rung.penalty} gives level {rung.penalty.level}"
            if rung.dsa_decision is not None and (rung.penalty is None or rung.dsa_decision not in RUNG_DECISIONS):
                allowed = ", ".join(sorted(RUNG_DECISIONS))
                return index, f"rung at {rung.points} points: dsa_decision must be one of {allowed}, for a penalty"
            previous = rung
        return None

    def points_for(self, terms: PolicyTerms) -> int:
        """A policy's strike points, weighted by its severity where the ladder says so."""
        return terms.strike_points * self.severity_weights.get(str(terms.severity), 1)

    def rung_for(self, points: int) -> Rung | None:
        return next((r for r in reversed(self.rungs) if r.points <= points), None)


def default_ladder(domain: str) -> Ladder:
    """For a domain without a configured ladder: strikes warn, live a year, and can be appealed for 180 days."""
    return Ladder(
        domain=domain,
        strike_lifetime=timedelta(days=365),
        appeal_window=timedelta(days=180),
        rungs=(Rung(points=1, level=StandingLevel.WARNED),),
    )


def _days(duration: timedelta) -> str:
    days = duration / timedelta(days=1)
    return f"{days:g} day" + ("" if days == 1 else "s")

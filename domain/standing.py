"""Account standing as a pure function of strikes, penalties and the moment asked about."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.levels import PenaltyKind, StandingLevel

if TYPE_CHECKING:
    from domain.ladder import Ladder


@dataclass(frozen=True)
class Strike:
    """A strike against an account, counted while it is issued, unexpired and not removed."""

    strike_id: UUID
    domain: str
    policy_key: str
    policy_version: int
    points: int
    decision_id: UUID
    case_id: UUID
    issued_at: datetime
    expires_at: datetime
    removed_at: datetime | None = None
    removal_reason: str | None = None

    def active_at(self, at: datetime) -> bool:
        removed = self.removed_at is not None and self.removed_at <= at
        return self.issued_at <= at < self.expires_at and not removed


@dataclass(frozen=True)
class Penalty:
    """A penalty a ladder rung imposed: timed, or (`points_bound`) in force while its threshold holds."""

    penalty_id: UUID
    domain: str
    kind: PenaltyKind
    threshold: int
    starts_at: datetime
    ends_at: datetime | None
    points_bound: bool
    cause_strike_id: UUID
    features: tuple[str, ...] = ()
    lifted_at: datetime | None = None
    lift_reason: str | None = None
    dsa_decision: str | None = None
    """What it is in a statement of reasons, as its rung said; None: as its kind says (`dsa.PENALTY_DECISIONS`)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", PenaltyKind(self.kind))
        object.__setattr__(self, "features", tuple(self.features))

    @property
    def level(self) -> StandingLevel:
        return self.kind.level

    def in_force_at(self, at: datetime, points: int) -> bool:
        """Whether it applies at `at`, given the domain's active points then."""
        if at < self.starts_at or (self.lifted_at is not None and self.lifted_at <= at):
            return False
        if self.ends_at is not None and at >= self.ends_at:
            return False
        return not (self.points_bound and points < self.threshold)


@dataclass(frozen=True)
class DomainStanding:
    domain: str
    level: StandingLevel
    strike_points: int
    active_strikes: tuple[Strike, ...]
    penalties: tuple[Penalty, ...]
    """The penalties in force, with `ends_at` as it stands (a points-bound one ends as strikes expire)."""
    explanation: str


@dataclass(frozen=True)
class Standing:
    level: StandingLevel
    strike_points: int
    active_strikes: tuple[Strike, ...]
    penalty: Penalty | None = None
    """The most severe penalty in force."""
    explanation: str = ""
    domains: tuple[DomainStanding, ...] = ()


def active_points(strikes: Iterable[Strike], domain: str, at: datetime) -> int:
    return sum(s.points for s in strikes if s.domain == domain and s.active_at(at))


def standing_at(
    strikes: Iterable[Strike],
    at: datetime,
    penalties: Iterable[Penalty] = (),
    ladders: Callable[[str], Ladder] | None = None,
) -> Standing:
    """Where the account stands at `at`: the worst level over its domains, and why."""
    strikes = tuple(strikes)
    penalties = tuple(penalties)
    # Only what had happened by `at`: a domain struck later has no standing yet.
    names = sorted(
        {s.domain for s in strikes if s.issued_at <= at} | {p.domain for p in penalties if p.starts_at <= at}
    )
    domains = tuple(_domain_standing(d, strikes, penalties, at, ladders) for d in names)
    active = tuple(
        sorted((s for d in domains for s in d.active_strikes), key=lambda s: (s.issued_at, str(s.strike_id)))
    )
    in_force = [p for d in domains for p in d.penalties]
    worst = max(in_force, key=lambda p: (p.level.rank, p.ends_at is None, p.ends_at or at), default=None)
    level = max((d.level for d in domains), key=lambda level: level.rank, default=StandingLevel.GOOD)
    explanation = " ".join(d.explanation for d in domains) or "No strikes and no penalties: in good standing."
    return Standing(
        level=level,
        strike_points=sum(s.points for s in active),
        active_strikes=active,
        penalty=worst,
        explanation=explanation,
        domains=domains,
    )


def next_change(strikes: Iterable[Strike], penalties: Iterable[Penalty], at: datetime) -> datetime | None:
    """The first moment after `at` at which a standing of these strikes and penalties can differ from its standing
    at `at` (None: never): a standing compares `at` with their moments alone."""
    moments = [m for s in strikes for m in (s.issued_at, s.expires_at, s.removed_at)]
    moments += [m for p in penalties for m in (p.starts_at, p.ends_at, p.lifted_at)]
    return min((m for m in moments if m is not None and m > at), default=None)


def _domain_standing(
    domain: str,
    strikes: tuple[Strike, ...],
    penalties: tuple[Penalty, ...],
    at: datetime,
    ladders: Callable[[str], Ladder] | None,
) -> DomainStanding:
    own = [s for s in strikes if s.domain == domain and s.issued_at <= at]
    active = tuple(s for s in own if s.active_at(at))
    points = sum(s.points for s in active)
    in_force = tuple(
        replace(p, ends_at=_effective_end(p, active)) if p.points_bound and p.ends_at is None else p
        for p in penalties
        if p.domain == domain and p.in_force_at(at, points)
    )
    levels = [StandingLevel.WARNED if points >= 1 else StandingLevel.GOOD, *(p.level for p in in_force)]
    level = max(levels, key=lambda level: level.rank)
    return DomainStanding(domain, level, points, active, in_force, _explain(domain, own, active, in_force, at, ladders))


def _effective_end(penalty: Penalty, active: tuple[Strike, ...]) -> datetime | None:
    """When a points-bound penalty ends if no strike is added or removed: when enough strikes expire."""
    points = sum(s.points for s in active)
    for strike in sorted(active, key=lambda s: s.expires_at):
        points -= strike.points
        if points < penalty.threshold:
            return strike.expires_at
    return None


def _explain(
    domain: str,
    own: list[Strike],
    active: tuple[Strike, ...],
    in_force: tuple[Penalty, ...],
    at: datetime,
    ladders: Callable[[str], Ladder] | None,
) -> str:
    points = sum(s.points for s in active)
    counted = "; ".join(
        f"{s.policy_key} ({s.points} pt, {s.issued_at:%Y-%m-%d}, expires {s.expires_at:%Y-%m-%d})" for s in active
    )
    expired = sum(1 for s in own if s.expires_at <= at and not (s.removed_at and s.removed_at <= at))
    removed = [s for s in own if s.removed_at is not None and s.removed_at <= at]
    parts = [f"{domain}: {points} active point{'s' if points != 1 else ''}"]
    parts.append(f"from {counted}" if active else "from no active strike")
    if expired:
        parts.append(f"{expired} expired strike{'s' if expired != 1 else ''} no longer count")
    if removed:
        parts.append(
            f"{len(removed)} removed ({', '.join(f'{s.policy_key}: {s.removal_reason}' for s in removed)})"
        )
    if ladders is not None:
        rung = ladders(domain).rung_for(points)
        parts.append(f"rung: {rung.describe()}" if rung is not None else "below the first rung")
    for p in in_force:
        until = "until lifted" if p.ends_at is None else f"until {p.ends_at:%Y-%m-%d %H:%M} UTC"
        parts.append(f"{p.kind.lower().replace('_', ' ')} since {p.starts_at:%Y-%m-%d %H:%M} UTC {until}")
    return "; ".join(parts) + "."

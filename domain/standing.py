"""Account standing as a pure function of strikes and the moment asked about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class StandingLevel(StrEnum):
    GOOD = "GOOD"
    WARNED = "WARNED"
    RESTRICTED = "RESTRICTED"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"


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
class Standing:
    level: StandingLevel
    strike_points: int
    active_strikes: tuple[Strike, ...]


def standing_at(strikes: list[Strike] | tuple[Strike, ...], at: datetime) -> Standing:
    """The default standing: no active points is GOOD, any active points WARNED."""
    active = tuple(sorted((s for s in strikes if s.active_at(at)), key=lambda s: s.issued_at))
    points = sum(s.points for s in active)
    level = StandingLevel.WARNED if points >= 1 else StandingLevel.GOOD
    return Standing(level=level, strike_points=points, active_strikes=active)

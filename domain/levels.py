"""The standing levels an account can be at, and the penalties that put it there."""

from __future__ import annotations

from enum import StrEnum


class StandingLevel(StrEnum):
    GOOD = "GOOD"
    WARNED = "WARNED"
    RESTRICTED = "RESTRICTED"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"

    @property
    def rank(self) -> int:
        return list(StandingLevel).index(self)


class PenaltyKind(StrEnum):
    FEATURE_LIMIT = "FEATURE_LIMIT"
    SUSPENSION = "SUSPENSION"
    TERMINATION = "TERMINATION"

    @property
    def level(self) -> StandingLevel:
        return _PENALTY_LEVELS[self]


_PENALTY_LEVELS = {
    PenaltyKind.FEATURE_LIMIT: StandingLevel.RESTRICTED,
    PenaltyKind.SUSPENSION: StandingLevel.SUSPENDED,
    PenaltyKind.TERMINATION: StandingLevel.TERMINATED,
}

"""What a VIOLATING decision would cause: the domain ladder's own arithmetic on the account's points now."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.ladder import Ladder
from domain.levels import StandingLevel
from domain.policy import PolicyTerms
from domain.values import ActionType, DsaGround, Severity


@dataclass(frozen=True)
class Outlook:
    points: int
    """The strike's points."""
    total: int
    """The account's active points in the domain once struck."""
    level: StandingLevel
    rung: str


def outlook(ladder: Ladder, policy: dict[str, Any], points_now: int) -> Outlook:
    """The strike a VIOLATING decision under `policy` issues and the standing it brings; `policy` as the API
    answers it (key, title, text, severity, strikePoints, allowedActions, dsaCategory, dsaGround)."""
    terms = PolicyTerms(
        title=policy["title"], text=policy["text"], severity=Severity(policy["severity"]),
        strike_points=policy["strikePoints"], allowed_actions=tuple(ActionType(a) for a in policy["allowedActions"]),
        dsa_category=policy["dsaCategory"], dsa_ground=DsaGround(policy["dsaGround"]),
    )
    points = ladder.points_for(terms)
    total = points_now + points
    rung = ladder.rung_for(total)
    if rung is None:
        return Outlook(points, total, StandingLevel.GOOD, "below the ladder's first rung")
    return Outlook(points, total, rung.level, rung.describe())

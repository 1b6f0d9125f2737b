"""Rows of the decisions-by-policy read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DecisionCountRow:
    """The decisions made under one policy on one UTC day with one outcome and automation level."""

    domain: str
    policy_key: str
    day: date
    outcome: str
    automation: str
    decisions: int
    superseded: int
    """Of those decisions, how many a later decision on the same case and policy has superseded."""
    reversed: int
    """Of those decisions, how many had their actions reversed (an overturned appeal)."""

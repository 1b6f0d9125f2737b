"""Rows of the policy catalog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.policy import PolicyTerms


@dataclass(frozen=True)
class PolicyRow:
    domain: str
    key: str
    version: int
    terms: PolicyTerms
    retired: bool
    published_at: datetime
    published_by: str

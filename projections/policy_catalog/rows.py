"""Rows of the policy catalog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.policy import Policy, PolicyTerms
from projections.values import utc


@dataclass(frozen=True)
class PolicyRow:
    domain: str
    key: str
    version: int
    terms: PolicyTerms
    retired: bool
    published_at: datetime
    published_by: str


def policy_row(policy: Policy) -> PolicyRow:
    """The catalog's row of a policy: its current version, as the ledger's policy holds it."""
    return PolicyRow(
        domain=policy.domain, key=policy.key, version=policy.policy_version, terms=policy.terms, retired=policy.retired,
        published_at=utc(policy.published_at), published_by=policy.published_by,
    )

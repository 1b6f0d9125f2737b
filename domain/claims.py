"""Claims: a reviewer's lease on a case, which ends when released, decided, escalated or when time runs out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import ValidationError

DEFAULT_LEASE = timedelta(minutes=10)
MAX_LEASE = timedelta(hours=4)


class ReleaseReason(StrEnum):
    RELEASED = "RELEASED"
    SKIPPED = "SKIPPED"
    EXPIRED = "EXPIRED"
    DECIDED = "DECIDED"
    ESCALATED = "ESCALATED"


@dataclass(frozen=True)
class Claim:
    """Who holds a case, for which queue and policy, and until when."""

    holder: str
    queue: str
    policy_key: str
    claimed_at: datetime
    expires_at: datetime

    def live(self, at: datetime) -> bool:
        """Whether the lease still holds at `at`; an expired one needs no event to end."""
        return at < self.expires_at


def check_lease(lease: timedelta) -> timedelta:
    if not timedelta(0) < lease <= MAX_LEASE:
        raise ValidationError(f"a lease lasts more than 0 seconds and at most {MAX_LEASE}", "leaseSeconds")
    return lease

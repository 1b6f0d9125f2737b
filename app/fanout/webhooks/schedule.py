"""When a failed delivery is tried again: exponential backoff with jitter over more than a day (Svix's schedule),
Retry-After where the endpoint asks for it, and when an endpoint has failed long enough to be disabled."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

DELAYS = (5.0, 300.0, 1_800.0, 7_200.0, 18_000.0, 36_000.0, 36_000.0)
"""Seconds before each retry: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; 8 attempts over about 27.6 hours."""
JITTER = 0.1
"""Each delay is drawn from +-10% of its value, so that endpoints failing together do not come back together."""
DISABLE_AFTER = timedelta(days=5)
SLOW_DOWN = frozenset({429, 503})
"""Answers whose Retry-After is honoured."""
GONE = 410


@dataclass(frozen=True)
class Schedule:
    delays: tuple[float, ...] = DELAYS
    jitter: float = JITTER
    disable_after: timedelta = DISABLE_AFTER
    longest_retry_after: float = max(DELAYS)
    """The longest wait a Retry-After may ask for and get: an endpoint cannot park its deliveries for ever."""
    draw: Callable[[float, float], float] = random.uniform

    def retry_in(self, failures: int, retry_after: float | None = None) -> float | None:
        """Seconds until the next attempt after `failures` failed ones in a row; None once they are exhausted.
        `retry_after`, what the endpoint asked for, is honoured up to `longest_retry_after`."""
        if failures > len(self.delays):
            return None
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.longest_retry_after)
        delay = self.delays[failures - 1]
        return delay * self.draw(1 - self.jitter, 1 + self.jitter)

    @property
    def attempts(self) -> int:
        """How many attempts a delivery gets before it is dead-lettered."""
        return len(self.delays) + 1


def retry_after(value: str | None, now: datetime) -> float | None:
    """A Retry-After header's seconds, written as seconds or as an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max((moment - now).total_seconds(), 0.0)

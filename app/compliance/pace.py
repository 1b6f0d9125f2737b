"""How fast the submitter may ask: a request rate it stays under, and how long it waits after a failure."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RateLimit:
    """Spaces requests at least 1/`per_second` apart."""

    per_second: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        if not self.per_second > 0:
            raise ValueError(f"the request rate must be above 0, not {self.per_second}")

    def wait(self) -> None:
        """Returns when the next request may go."""
        now = self.clock()
        if now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + 1 / self.per_second


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: the wait before attempt n+1 after n failures in a row."""

    first: float = 1.0
    longest: float = 60.0
    """Also the longest wait a Retry-After may ask for and get."""
    attempts: int = 8
    """Attempts at one request before the endpoint counts as down."""
    draw: Callable[[float, float], float] = random.uniform

    def delay(self, failures: int, asked: float | None = None) -> float:
        if asked is not None:
            return min(max(asked, 0.0), self.longest)
        return min(self.first * 2 ** (failures - 1), self.longest) * self.draw(0.5, 1.0)

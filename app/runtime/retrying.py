"""How a long-running loop tries a failing step again: after a pause that doubles with each failure in a row, up to a
ceiling, and is short again once a step succeeds; a stop cuts the pause short."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class RetryPause:
    """Seconds to wait before trying again: `first` after a failure, twice the last after each further one in a row,
    up to `longest`."""

    first: float
    longest: float
    _next: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._next = self.first

    def failed(self) -> float:
        """The pause after this failure; the next one in a row waits twice as long."""
        seconds = self._next
        self._next = min(seconds * 2, self.longest)
        return seconds

    def succeeded(self) -> None:
        self._next = self.first


async def retried(
    step: Callable[[], Awaitable[T]], stop: asyncio.Event, pause: RetryPause, log: logging.Logger,
    failed: Callable[[Exception], str], expected: tuple[type[Exception], ...] = (),
) -> T | None:
    """What `step` returns once it succeeds; None if `stop` is set first. After each failure `log` says what `failed`
    makes of it and the pause ahead, with the traceback unless the error is of an `expected` kind (a server
    unreachable, say), then the pause is taken, unless `stop` ends it."""
    while not stop.is_set():
        try:
            done = await step()
        except Exception as error:
            seconds = pause.failed()
            if isinstance(error, expected):
                log.warning("%s; retrying in %.1fs", failed(error), seconds)
            else:
                log.exception("%s; retrying in %.1fs", failed(error), seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)
            continue
        pause.succeeded()
        return done
    return None

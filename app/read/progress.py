"""A progress bar on stderr: how far, how fast, how long to go. Redrawn in place on a terminal;
elsewhere (a log file, CI) one line every few seconds."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_WIDTH = 24


class Progress:
    """Reports one phase at a time: `start(phase, done, total)`, then `update(done)`, then `finish()`."""

    def __init__(self, out: TextIO | None = None, every: float | None = None, unit: str = "events") -> None:
        self.out = out if out is not None else sys.stderr
        self.tty = bool(getattr(self.out, "isatty", lambda: False)())
        self.every = every if every is not None else (0.2 if self.tty else 5.0)
        self.unit = unit
        self.phase = ""
        self.total = 0
        self.done = 0
        self._first = 0
        self._started = 0.0
        self._drawn = 0.0
        self._open = False

    def start(self, phase: str, done: int, total: int, unit: str | None = None) -> None:
        self.finish()
        self.phase, self.done, self.total, self._first = phase, done, total, done
        if unit is not None:
            self.unit = unit
        self._started = self._drawn = time.monotonic()
        self._open = True
        self._draw(time.monotonic())

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        now = time.monotonic()
        if now - self._drawn >= self.every:
            self._draw(now)

    def note(self, text: str) -> None:
        """A line of its own, e.g. a phase without a count."""
        self.finish()
        self.out.write(f"{text}\n")
        self.out.flush()

    def finish(self) -> None:
        if not self._open:
            return
        self._draw(time.monotonic(), final=True)
        self._open = False

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self._started
        return (self.done - self._first) / elapsed if elapsed > 0 else 0.0

    def line(self, now: float) -> str:
        elapsed = now - self._started
        rate = (self.done - self._first) / elapsed if elapsed > 0 else 0.0
        fraction = 1.0 if self.total <= 0 else min(1.0, self.done / self.total)
        filled = int(fraction * _WIDTH)
        bar = "#" * filled + "-" * (_WIDTH - filled)
        if self.done >= self.total:
            when = f"took {_duration(elapsed)}"
        elif rate > 0:
            when = f"{_duration((self.total - self.done) / rate)} left"
        else:
            when = "time left unknown"
        return (f"{self.phase}: [{bar}] {self.done:,}/{self.total:,} {self.unit} ({fraction:.0%}), "
                f"{rate:,.0f} {self.unit}/s, {when}")

    def _draw(self, now: float, final: bool = False) -> None:
        self._drawn = now
        text = self.line(now)
        if self.tty:
            self.out.write("\r\x1b[2K" + text + ("\n" if final else ""))
        else:
            self.out.write(text + "\n")
        self.out.flush()


class Silent(Progress):
    """Reports nothing."""

    def _draw(self, now: float, final: bool = False) -> None:
        self._drawn = now

    def note(self, text: str) -> None:
        pass


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"

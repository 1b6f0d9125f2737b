"""Loads the strike ladders from TOML, refusing an inconsistent file with the line at fault."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from domain.ladder import Ladder, Rung, default_ladder

SHIPPED_LADDERS = Path(__file__).with_name("ladders.toml")
_LADDER_KEYS = {"strike_lifetime_days", "appeal_window_days", "severity_weights", "rungs"}
_RUNG_KEYS = {"points", "level", "penalty", "duration_days", "features", "dsa_decision"}


class LaddersFileError(ValueError):
    """Raised when the ladders file is malformed or inconsistent; the message names the line."""


@dataclass(frozen=True)
class Ladders:
    """The ladder of each configured domain, and the default ladder for the rest."""

    by_domain: dict[str, Ladder]

    def __call__(self, domain: str) -> Ladder:
        return self.by_domain.get(domain) or default_ladder(domain)


def load_ladders(path: Path = SHIPPED_LADDERS) -> Ladders:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise LaddersFileError(f"{path}: cannot read the ladders file: {error}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LaddersFileError(f"{path}: {error}") from None
    lines = text.splitlines()
    ladders = {}
    for domain, table in document.get("ladders", {}).items():
        ladders[domain] = _ladder(domain, table, partial(_line, lines, domain), path)
    return Ladders(ladders)


def _ladder(domain: str, table: dict[str, Any], line: Any, path: Path) -> Ladder:
    def fail(index: int | None, message: str) -> LaddersFileError:
        return LaddersFileError(f"{path}:{line(index)}: ladders.{domain}: {message}")

    unknown = set(table) - _LADDER_KEYS
    if unknown:
        raise fail(None, f"unknown keys {', '.join(sorted(unknown))}")
    rungs = []
    for index, entry in enumerate(table.get("rungs", [])):
        unknown = set(entry) - _RUNG_KEYS
        if unknown:
            raise fail(index, f"unknown keys {', '.join(sorted(unknown))}")
        # int() and tuple() would quietly take 2.5 points as 2, and features = "listings" as its letters.
        points, features = entry.get("points", 0), entry.get("features", [])
        if isinstance(points, bool) or not isinstance(points, int):
            raise fail(index, f"malformed rung: points must be a whole number, not {points!r}")
        if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
            raise fail(index, f"malformed rung: features must be a list of names, not {features!r}")
        try:
            days = entry.get("duration_days")
            rungs.append(
                Rung(
                    points=int(entry["points"]),
                    level=entry["level"],
                    penalty=entry.get("penalty"),
                    duration=None if days is None else timedelta(days=float(days)),
                    features=tuple(entry.get("features", ())),
                    dsa_decision=entry.get("dsa_decision"),
                )
            )
        except (KeyError, ValueError, TypeError) as error:
            raise fail(index, f"malformed rung: {error}") from None
    try:
        ladder = Ladder(
            domain=domain,
            strike_lifetime=timedelta(days=float(table.get("strike_lifetime_days", 365))),
            appeal_window=timedelta(days=float(table.get("appeal_window_days", 180))),
            rungs=tuple(rungs),
            severity_weights={str(k): int(v) for k, v in table.get("severity_weights", {}).items()},
        )
    except (ValueError, TypeError) as error:
        raise fail(None, str(error)) from None
    problem = ladder.problem()
    if problem is not None:
        raise fail(*problem)
    return ladder


def _line(lines: list[str], domain: str, rung_index: int | None) -> int:
    """The 1-based line of a ladder's table, or of its n-th rung."""
    header = re.escape(domain)
    pattern = re.compile(rf"^\s*\[\[\s*ladders\.{header}\.rungs\s*\]\]" if rung_index is not None
                         else rf"^\s*\[\s*ladders\.{header}\s*\]")
    seen = -1
    for number, text in enumerate(lines, start=1):
        if pattern.match(text):
            seen += 1
            if rung_index is None or seen == rung_index:
                return number
    return 1

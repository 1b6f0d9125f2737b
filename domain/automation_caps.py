"""Caps on automated decisions: past a rule's per-account hourly or daily cap, its cases go to a human instead.

What a rule has decided alone is counted on the write side, in tallies with uuid5 ids (an hour of one account's, a
day of the rule's), saved before the decision it counts: a command never needs a read model to know a cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.automation import Caps
from domain.base import DocketAggregate, natural_id


class AutomationTally(DocketAggregate):
    """The automated decisions a rule made in one window, each by the key of the verdict it rests on, so that a
    retry counts nothing twice."""

    if TYPE_CHECKING:
        keys: set[str]

    @staticmethod
    def create_id(rule_id: UUID, window: str) -> UUID:
        return natural_id("automation-tally", str(rule_id), window)

    class Started(DocketAggregate.Created):
        rule_id: UUID
        window: str
        key: str

        def apply(self, tally: AutomationTally) -> None:
            tally.keys = {self.key}

    class Counted(DocketAggregate.Event):
        key: str

        def apply(self, tally: AutomationTally) -> None:
            tally.keys.add(self.key)

    @classmethod
    def start(cls, rule_id: UUID, window: str, key: str, actor: str, at: datetime) -> AutomationTally:
        return cls._start(cls.Started, cls.create_id(rule_id, window), actor, at, rule_id=rule_id, window=window,
                          key=key)

    @property
    def count(self) -> int:
        return len(self.keys)

    def count_in(self, key: str, actor: str, at: datetime) -> None:
        if key not in self.keys:
            self._record(self.Counted, actor, at, key=key)


@dataclass(frozen=True)
class CapWindows:
    """The windows an automated decision at one moment counts in: the account's hour (None without an account) and
    the rule's day, both in UTC."""

    hour: str | None
    day: str

    @classmethod
    def at(cls, account_id: str | None, moment: datetime) -> CapWindows:
        hour = None if account_id is None else f"account/{account_id}/{moment:%Y-%m-%dT%H}"
        return cls(hour, f"day/{moment:%Y-%m-%d}")


@dataclass(frozen=True)
class CapReached:
    cap: str
    """`perAccountPerHour` or `perDay`."""
    reason: str


def cap_reached(
    caps: Caps, hourly: AutomationTally | None, daily: AutomationTally | None, key: str
) -> CapReached | None:
    """Which cap a new automated decision would pass, if any; a decision already counted (a retry) passes none."""
    if any(t is not None and key in t.keys for t in (hourly, daily)):
        return None
    if hourly is not None and hourly.count >= caps.per_account_per_hour:
        return CapReached("perAccountPerHour", f"the rule's cap of {caps.per_account_per_hour} automated decisions "
                          "per account an hour is reached: a human decides")
    if daily is not None and daily.count >= caps.per_day:
        return CapReached("perDay", f"the rule's cap of {caps.per_day} automated decisions a day is reached: a human "
                          "decides")
    return None


def counted(
    tally: AutomationTally | None, rule_id: UUID, window: str, key: str, actor: str, at: datetime
) -> AutomationTally:
    """The window's tally with the decision of `key` counted in: started by the window's first."""
    if tally is None:
        return AutomationTally.start(rule_id, window, key, actor, at)
    tally.count_in(key, actor, at)
    return tally

"""Counting a rule's automated decisions against its caps, before it makes one."""

from __future__ import annotations

from dataclasses import dataclass

from app.write.unit_of_work import UnitOfWork
from domain.automation import AutomationRule
from domain.automation_caps import AutomationTally, CapReached, CapWindows, cap_reached, counted


@dataclass
class AutomationCapping:
    work: UnitOfWork

    def reserve(self, rule: AutomationRule, account_id: str | None, key: str, actor: str) -> CapReached | None:
        """Counts the automated decision the verdict of `key` is about to make, or the cap it would pass (then
        nothing is counted, and a human decides). Counted before the decision: a decision that then fails has used
        its place, never more than the caps allow."""

        def attempt() -> CapReached | None:
            now = self.work.clock()
            windows = CapWindows.at(account_id, now)
            names = [w for w in (windows.hour, windows.day) if w is not None]
            ids = {w: AutomationTally.create_id(rule.id, w) for w in names}
            loaded = self.work.load_all(AutomationTally, list(ids.values()))
            hourly = None if windows.hour is None else loaded.get(ids[windows.hour])
            reached = cap_reached(rule.settings.caps, hourly, loaded.get(ids[windows.day]), key)
            if reached is None:
                self.work.store(*(counted(loaded.get(ids[w]), rule.id, w, key, actor, now) for w in names))
            return reached

        return self.work.retrying(attempt)

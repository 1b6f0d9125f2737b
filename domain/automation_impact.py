"""Blast radius before launch: what a rule would have done in AUTO over a period of its shadow verdicts.

The verdicts are replayed in the order they were recorded through what AUTO does with each (`plan_for`, the caps)
and, for each decision it would have made, through the domain's ladder (`issued_strike`, `penalty_for`) on top of the
account's real strikes and penalties as they stood when the period began. Each figure is split by what the humans
who later decided the same cases did: agreed (a violation), disagreed (no violation), or not yet reviewed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.account import issued_strike, penalty_for
from domain.automation import AutomationMode, AutoOutcome, RuleSettings, plan_for
from domain.automation_caps import AutomationTally, CapWindows, cap_reached, counted
from domain.base import natural_id
from domain.ladder import Ladder
from domain.levels import StandingLevel
from domain.model_verdict import FailedClassification, ModelVerdict
from domain.policy import Policy
from domain.standing import Penalty, Strike, active_points, standing_at
from domain.values import ActionType

REPLAY_ACTOR = "automation:impact"


class Agreement(StrEnum):
    AGREED = "AGREED"
    """A human later decided the case violating."""
    DISAGREED = "DISAGREED"
    """A human later decided the case not violating."""
    UNREVIEWED = "UNREVIEWED"
    """No human has decided the case since the verdict."""


@dataclass(frozen=True)
class ShadowVerdict:
    """A rule's verdict as recorded, and what a human decided on its case since (None before any did)."""

    key: str
    """The verdict's detection: what a replayed decision is named by."""
    case_id: UUID
    account_id: str | None
    classification: ModelVerdict | FailedClassification
    at: datetime
    human_violating: bool | None

    @property
    def agreement(self) -> Agreement:
        if self.human_violating is None:
            return Agreement.UNREVIEWED
        return Agreement.AGREED if self.human_violating else Agreement.DISAGREED


@dataclass(frozen=True)
class AccountRecord:
    """An account's strikes and penalties in the rule's domain, as they stood when the period began."""

    strikes: tuple[Strike, ...] = ()
    penalties: tuple[Penalty, ...] = ()


@dataclass(frozen=True)
class Split:
    """A count, split by what the humans who decided the same cases did."""

    agreed: int = 0
    disagreed: int = 0
    unreviewed: int = 0

    @property
    def total(self) -> int:
        return self.agreed + self.disagreed + self.unreviewed

    def plus(self, agreement: Agreement) -> Split:
        name = agreement.lower()
        return replace(self, **{name: getattr(self, name) + 1})


@dataclass(frozen=True)
class Impact:
    verdicts: int
    violations: int
    """Verdicts that found a violation."""
    decisions: Split
    """Decisions AUTO would have made alone."""
    queued: Split
    """Violations (and failed classifications) AUTO would have sent to a human: below the threshold, past a cap, an
    action the policy never automates, a zero-tolerance policy."""
    capped: Split
    """Of those queued, the ones a cap sent to a human."""
    actions: Mapping[ActionType, Split]
    strikes: Split
    strike_points: int
    standing: Mapping[StandingLevel, Split]
    """Accounts AUTO would have brought to each standing level above the one they started at (the highest each
    reached), split by the decision that brought them there."""


@dataclass
class _Account:
    strikes: list[Strike]
    penalties: list[Penalty]
    start: StandingLevel
    reached: tuple[StandingLevel, Agreement] | None = None


@dataclass
class _Replay:
    settings: RuleSettings
    policy: Policy
    ladder: Ladder
    accounts: dict[str, _Account]
    tallies: dict[str, AutomationTally] = field(default_factory=dict)
    decisions: Split = Split()
    queued: Split = Split()
    capped: Split = Split()
    actions: dict[ActionType, Split] = field(default_factory=dict)
    strikes: Split = Split()
    strike_points: int = 0


def replay_impact(
    settings: RuleSettings, policy: Policy, ladder: Ladder, verdicts: Iterable[ShadowVerdict],
    records: Mapping[str, AccountRecord],
) -> Impact:
    """What the rule would have done in AUTO with `verdicts`, starting from the accounts' `records` (an account
    without one starts clean)."""
    ordered = sorted(verdicts, key=lambda v: v.at)
    accounts = {
        a: _Account(list(r.strikes), list(r.penalties), _level(r.strikes, r.penalties, ladder, ordered[0].at))
        for a, r in records.items()
    } if ordered else {}
    replay = _Replay(settings, policy, ladder, accounts)
    for verdict in ordered:
        _replay(replay, verdict)
    standing: dict[StandingLevel, Split] = {}
    for account in replay.accounts.values():
        if account.reached is not None:
            level, agreement = account.reached
            standing[level] = standing.get(level, Split()).plus(agreement)
    return Impact(
        verdicts=len(ordered),
        violations=sum(isinstance(v.classification, ModelVerdict) and v.classification.violation for v in ordered),
        decisions=replay.decisions, queued=replay.queued, capped=replay.capped, actions=replay.actions,
        strikes=replay.strikes, strike_points=replay.strike_points, standing=standing,
    )


def _replay(replay: _Replay, verdict: ShadowVerdict) -> None:
    agreement = verdict.agreement
    plan = plan_for(AutomationMode.AUTO, replay.settings, replay.policy, verdict.classification, None)
    if plan.outcome is AutoOutcome.DECIDED and _past_cap(replay, verdict):
        replay.capped = replay.capped.plus(agreement)
        replay.queued = replay.queued.plus(agreement)
        return
    if plan.outcome is AutoOutcome.QUEUED:
        replay.queued = replay.queued.plus(agreement)
    if plan.outcome is not AutoOutcome.DECIDED:
        return
    replay.decisions = replay.decisions.plus(agreement)
    for action in plan.actions:
        replay.actions[action] = replay.actions.get(action, Split()).plus(agreement)
    if verdict.account_id is not None:
        _strike(replay, verdict, agreement)


def _past_cap(replay: _Replay, verdict: ShadowVerdict) -> bool:
    """Whether a cap would have sent the decision to a human; if not, it is counted in its windows."""
    windows = CapWindows.at(verdict.account_id, verdict.at)
    names = [w for w in (windows.hour, windows.day) if w is not None]
    tallies = replay.tallies
    hourly = None if windows.hour is None else tallies.get(windows.hour)
    if cap_reached(replay.settings.caps, hourly, tallies.get(windows.day), verdict.key) is not None:
        return True
    rule_id = natural_id("impact-rule")
    for window in names:
        tallies[window] = counted(tallies.get(window), rule_id, window, verdict.key, REPLAY_ACTOR, verdict.at)
    return False


def _strike(replay: _Replay, verdict: ShadowVerdict, agreement: Agreement) -> None:
    """The decision's strike on the account, through the ladder, unless the case already counts one."""
    policy, ladder, at = replay.policy, replay.ladder, verdict.at
    assert verdict.account_id is not None
    account = replay.accounts.get(verdict.account_id)
    if account is None:
        account = replay.accounts[verdict.account_id] = _Account([], [], StandingLevel.GOOD)
    points = ladder.points_for(policy.terms)
    counted_already = any(s.case_id == verdict.case_id and s.policy_key == policy.key and s.removed_at is None
                          for s in account.strikes)
    if points == 0 or counted_already:
        return
    before = active_points(account.strikes, policy.domain, at)
    decision_id = natural_id("impact-decision", verdict.key)
    strike = issued_strike(decision_id, verdict.case_id, policy, policy.policy_version, points, ladder, at)
    account.strikes.append(strike)
    penalty = penalty_for(ladder, strike, before, policy.terms.zero_tolerance, at)
    if penalty is not None:
        account.penalties.append(penalty)
    replay.strikes = replay.strikes.plus(agreement)
    replay.strike_points += points
    level = _level(account.strikes, account.penalties, ladder, at)
    highest = account.start if account.reached is None else account.reached[0]
    if level.rank > highest.rank:
        account.reached = (level, agreement)


def _level(strikes: Iterable[Strike], penalties: Iterable[Penalty], ladder: Ladder, at: datetime) -> StandingLevel:
    return standing_at(strikes, at, penalties, lambda _: ladder).level

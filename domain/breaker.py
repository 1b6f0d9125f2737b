"""Measuring automation in production: QA samples of its decisions, the judgments humans make of them, and the
circuit breaker that demotes a rule whose measured precision falls below its floor or whose provider keeps failing.

A rule's automated decisions are judged by people two ways: a QA reviewer who decides a sampled case again (without
being told it was decided), and an appeal that overturns one. Each judgment goes to the rule's monitor, a write-side
aggregate keyed by the rule; the window it measures holds the judgments of decisions made since the rule was last
put in its mode (a rule promoted again starts afresh), at most WINDOW of them and none older than WINDOW_AGE.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.automation import AutomationMode, AutomationRule
from domain.base import DocketAggregate, natural_id
from domain.values import Subject

WINDOW = 100
"""The most recent judgments the rolling precision is measured over."""
WINDOW_AGE = timedelta(days=30)
MIN_JUDGMENTS = 10
"""Fewer judgments than this measure nothing yet: one early disagreement does not trip a rule."""
PROVIDER_FAILURES = 10
"""Provider failures (timeouts, 429s, 5xx past the retries) within FAILURE_WINDOW that trip a rule."""
FAILURE_WINDOW = timedelta(minutes=10)

AUTOMATION_ACTOR = "automation:"
"""The actor of a rule's automated decisions: this, then the rule's id."""


def automation_actor(rule_id: UUID) -> str:
    return f"{AUTOMATION_ACTOR}{rule_id}"


def rule_of_actor(actor: str) -> UUID | None:
    """The rule whose automated decision this actor made, if a rule made it."""
    if not actor.startswith(AUTOMATION_ACTOR):
        return None
    try:
        return UUID(actor.removeprefix(AUTOMATION_ACTOR))
    except ValueError:
        return None


def sampled_for_qa(decision_id: UUID, rate: float) -> bool:
    """Whether an automated decision goes to human QA: a deterministic function of its id, so retries agree."""
    draw = int.from_bytes(hashlib.sha256(f"qa|{decision_id}".encode()).digest()[:8], "big") / 2**64
    return draw < rate


class QaSample(DocketAggregate):
    """An automated decision drawn for human QA: its case waits in the review queue as any other, its automation
    unsaid, until a reviewer decides it again."""

    if TYPE_CHECKING:
        decision_id: UUID
        rule_id: UUID
        subject: Subject
        policy_key: str

    @staticmethod
    def create_id(decision_id: UUID) -> UUID:
        return natural_id("qa-sample", str(decision_id))

    class Drawn(DocketAggregate.Created):
        decision_id: UUID
        rule_id: UUID
        case_id: UUID
        subject: Subject
        account_id: str | None
        policy_key: str

        def apply(self, sample: QaSample) -> None:
            sample.decision_id = self.decision_id
            sample.rule_id = self.rule_id
            sample.subject = self.subject
            sample.policy_key = self.policy_key

    @classmethod
    def draw(
        cls, decision_id: UUID, rule_id: UUID, case_id: UUID, subject: Subject, account_id: str | None,
        policy_key: str, actor: str, at: datetime,
    ) -> QaSample:
        return cls._start(
            cls.Drawn, cls.create_id(decision_id), actor, at, decision_id=decision_id, rule_id=rule_id,
            case_id=case_id, subject=subject, account_id=account_id, policy_key=policy_key,
        )


class JudgmentKind(StrEnum):
    QA = "QA"
    """A QA reviewer decided the sampled case again."""
    APPEAL = "APPEAL"
    """An appeal of the decision was overturned."""


@dataclass(frozen=True)
class Judgment:
    decision_id: UUID
    kind: JudgmentKind
    agreed: bool
    decided_at: datetime
    judged_at: datetime


@dataclass(frozen=True)
class Precision:
    """What the window measured: judgments, how many agreed, and their share (None before any)."""

    judged: int
    agreed: int

    @property
    def value(self) -> float | None:
        return None if not self.judged else round(self.agreed / self.judged, 4)


class RuleMonitor(DocketAggregate):
    """A rule's measurements in production: the judgments of its automated decisions and its provider's failures."""

    if TYPE_CHECKING:
        rule_id: UUID
        judgments: list[Judgment]
        failures: list[datetime]

    @staticmethod
    def create_id(rule_id: UUID) -> UUID:
        return natural_id("rule-monitor", str(rule_id))

    class Started(DocketAggregate.Created):
        rule_id: UUID

        def apply(self, monitor: RuleMonitor) -> None:
            monitor.rule_id = self.rule_id
            monitor.judgments = []
            monitor.failures = []

    class Judged(DocketAggregate.Event):
        rule_id: UUID
        decision_id: UUID
        kind: JudgmentKind
        agreed: bool
        decided_at: datetime
        judged: int
        """The window's judgments after this one, and of them those that agreed."""
        agreed_in_window: int

        def apply(self, monitor: RuleMonitor) -> None:
            judgment = Judgment(self.decision_id, JudgmentKind(self.kind), self.agreed, self.decided_at,
                                self.occurred_at)
            monitor.judgments = [*monitor.judgments, judgment][-WINDOW:]

    class ProviderFailed(DocketAggregate.Event):
        rule_id: UUID
        count: int
        """Failed calls this event records."""
        reason: str
        in_window: int
        """Failures within FAILURE_WINDOW after these."""

        def apply(self, monitor: RuleMonitor) -> None:
            monitor.failures = [*monitor.failures, *([self.occurred_at] * self.count)][-PROVIDER_FAILURES:]

    @classmethod
    def start(cls, rule_id: UUID, actor: str, at: datetime) -> RuleMonitor:
        return cls._start(cls.Started, cls.create_id(rule_id), actor, at, rule_id=rule_id)

    def judge(
        self, decision_id: UUID, kind: JudgmentKind, agreed: bool, decided_at: datetime, since: datetime, actor: str,
        at: datetime,
    ) -> None:
        """Records a person's judgment of an automated decision; a decision judged the same way before is not counted
        twice."""
        if any(j.decision_id == decision_id and j.kind is kind for j in self.judgments):
            return
        after = [*self.judgments, Judgment(decision_id, kind, agreed, decided_at, at)][-WINDOW:]
        measured = _measure(after, since, at)
        self._record(
            self.Judged, actor, at, rule_id=self.rule_id, decision_id=decision_id, kind=kind, agreed=agreed,
            decided_at=decided_at, judged=measured.judged, agreed_in_window=measured.agreed,
        )

    def precision(self, since: datetime, at: datetime) -> Precision:
        """The window's precision at `at`, over judgments of decisions made since `since`."""
        return _measure(self.judgments, since, at)

    def provider_failed(self, count: int, reason: str, since: datetime, actor: str, at: datetime) -> None:
        """Records `count` calls that failed past their retries (timeouts, 429s, 5xx)."""
        if count < 1:
            return
        window = [t for t in [*self.failures, *([at] * count)] if t >= max(since, at - FAILURE_WINDOW)]
        self._record(
            self.ProviderFailed, actor, at, rule_id=self.rule_id, count=count, reason=reason[:300],
            in_window=len(window),
        )

    def failures_since(self, since: datetime, at: datetime) -> int:
        return sum(t >= max(since, at - FAILURE_WINDOW) for t in self.failures)


def _measure(judgments: list[Judgment], since: datetime, at: datetime) -> Precision:
    window = [j for j in judgments if j.decided_at >= since and j.judged_at > at - WINDOW_AGE]
    return Precision(len(window), sum(j.agreed for j in window))


def trip_if_breached(rule: AutomationRule, monitor: RuleMonitor, actor: str, at: datetime) -> dict[str, Any] | None:
    """Demotes the rule to SHADOW when, since it was put in its mode, its rolling precision has fallen below its
    floor (over at least MIN_JUDGMENTS judgments) or its provider failed PROVIDER_FAILURES times within
    FAILURE_WINDOW; the figures that tripped it, or None when it holds (or is in no mode to demote)."""
    if rule.mode not in (AutomationMode.ASSIST, AutomationMode.AUTO):
        return None
    since = rule.mode_changed_at
    measured = monitor.precision(since, at)
    floor = rule.settings.precision_floor
    figures: dict[str, Any]
    if rule.mode is AutomationMode.AUTO and measured.judged >= MIN_JUDGMENTS and (measured.value or 0.0) < floor:
        figures = {"cause": "precision", "precision": measured.value, "judged": measured.judged,
                   "agreed": measured.agreed, "floor": floor, "since": since.isoformat()}
        reason = (f"circuit breaker: rolling precision {measured.value:.3f} over {measured.judged} judged automated "
                  f"decisions fell below the floor {floor:g}")
    elif (failed := monitor.failures_since(since, at)) >= PROVIDER_FAILURES:
        figures = {"cause": "provider", "failures": failed, "window_seconds": FAILURE_WINDOW.total_seconds(),
                   "since": since.isoformat()}
        reason = (f"circuit breaker: the model provider failed {failed} times within "
                  f"{FAILURE_WINDOW.total_seconds() / 60:g} minutes")
    else:
        return None
    rule.trip(reason, figures, actor, at)
    return figures

"""The ledger's quality commands for automation in production: QA samples drawn from automated decisions, people's
judgments of those decisions (a QA reviewer deciding a sample again, an appeal overturning one), provider failures,
and the circuit breaker that demotes a rule on them, each in the transaction of the write that measured it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.write.unit_of_work import UnitOfWork
from domain.automation import AutomationRule
from domain.base import DocketAggregate
from domain.breaker import JudgmentKind, QaSample, RuleMonitor, rule_of_actor, trip_if_breached
from domain.case import Case, Decision
from domain.values import Outcome, Subject

BREAKER = "system:circuit-breaker"
"""The actor of a demotion the breaker makes."""


@dataclass
class Quality:
    work: UnitOfWork

    def draw_qa_sample(
        self, rule_id: UUID, decision_id: UUID, subject: Subject, account_id: str | None, policy_key: str, actor: str
    ) -> int:
        """Sends an automated decision to human QA; again, changes nothing. The position covering it."""

        def attempt() -> int:
            if self.work.find(QaSample, QaSample.create_id(decision_id)) is not None:
                return self.work.head()
            sample = QaSample.draw(decision_id, rule_id, Case.create_id(subject), subject, account_id, policy_key,
                                   actor, self.work.clock())
            return self.work.store(sample)

        return self.work.retrying(attempt)

    def note_provider_failures(self, rule_id: UUID, count: int, reason: str, actor: str) -> AutomationRule:
        """Records calls of the rule's model that failed past their retries; the rule, demoted when they trip it."""

        def attempt() -> AutomationRule:
            now = self.work.clock()
            loaded = _rule_and_monitor(self.work, rule_id, actor, now)
            assert loaded is not None, f"rule {rule_id} ran, so it exists"
            rule, monitor = loaded
            monitor.provider_failed(count, reason, rule.mode_changed_at, actor, now)
            trip_if_breached(rule, monitor, BREAKER, now)
            self.work.store(monitor, rule)
            return rule

        return self.work.retrying(attempt)


def judge_superseded(
    work: UnitOfWork, case: Case, decision: Decision, actor: str, at: datetime
) -> list[DocketAggregate]:
    """When a person's decision supersedes an automated decision drawn for QA, their judgment of it (agreed when they
    too found a violation), and the rule demoted if it trips the breaker: the aggregates to save with the decision."""
    if decision.supersedes is None or rule_of_actor(actor) is not None:
        return []
    if rule_of_actor(case.decided[decision.supersedes][0]) is None:  # only a rule's decisions are drawn for QA
        return []
    if work.find(QaSample, QaSample.create_id(decision.supersedes)) is None:
        return []
    return _judge(work, case, decision.supersedes, JudgmentKind.QA, decision.outcome is Outcome.VIOLATING, actor, at)


def judge_overturn(work: UnitOfWork, case: Case, decision_id: UUID, actor: str, at: datetime) -> list[DocketAggregate]:
    """An overturned appeal of an automated decision counts against its rule: the aggregates to save with it."""
    return _judge(work, case, decision_id, JudgmentKind.APPEAL, False, actor, at)


def _judge(
    work: UnitOfWork, case: Case, decision_id: UUID, kind: JudgmentKind, agreed: bool, actor: str, at: datetime
) -> list[DocketAggregate]:
    decided_by, decided_at = case.decided[decision_id]
    rule_id = rule_of_actor(decided_by)
    if rule_id is None:
        return []
    loaded = _rule_and_monitor(work, rule_id, actor, at)
    if loaded is None:
        return []
    rule, monitor = loaded
    monitor.judge(decision_id, kind, agreed, decided_at, rule.mode_changed_at, actor, at)
    trip_if_breached(rule, monitor, BREAKER, at)
    return [monitor, rule]


def _rule_and_monitor(
    work: UnitOfWork, rule_id: UUID, actor: str, at: datetime
) -> tuple[AutomationRule, RuleMonitor] | None:
    """The rule and its monitor (started, for a rule judged the first time), read in one round trip; None if there is
    no such rule."""
    monitor_id = RuleMonitor.create_id(rule_id)
    found = work.load_many([rule_id, monitor_id])
    rule = work.of_kind(AutomationRule, found, [rule_id]).get(rule_id)
    if rule is None:
        return None
    return rule, work.of_kind(RuleMonitor, found, [monitor_id]).get(monitor_id) or RuleMonitor.start(rule_id, actor, at)

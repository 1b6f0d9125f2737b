"""Running a policy's active rules on content: each rule's model asked at once, each verdict recorded as a detection,
and what the rule's mode makes of it done through the ledger's own commands (an AUTO decision is `decide`'s)."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from app.automation.models import ModelCall, Models
from app.write.automation import PolicyAutomation
from app.write.automation_caps import AutomationCapping
from app.write.ledger import Ledger
from domain.automation import AutomationMode, AutomationRule, AutoOutcome, AutoPlan, plan_action
from domain.breaker import automation_actor, sampled_for_qa
from domain.case import Verdict
from domain.detection import Detection, DetectionFacts
from domain.errors import ConflictError
from domain.model_verdict import ModelVerdict
from domain.prompt import ModelContent, Prompt, build_prompt
from domain.values import Action, ActionType, AutomationLevel, ContentType, DetectionSource, Outcome, Subject

BREAKABLE = (AutomationMode.ASSIST, AutomationMode.AUTO)
"""The modes whose failed classifications go to people, and whose provider failures the breaker counts."""


@dataclass(frozen=True)
class RuleOutcome:
    """What one rule made of the content: its verdict or failure, the detection recording it, and what followed."""

    rule: AutomationRule
    call: ModelCall | None
    """None when a retry found the verdict already recorded (`detection` holds it)."""
    detection: Detection
    plan: AutoPlan
    decision_id: UUID | None
    position: int


@dataclass(frozen=True)
class _Asked:
    rule: AutomationRule
    external_id: str
    known: Detection | None


class AutoActions:
    """Runs a policy's active rules on content about a subject, on the ledger, calling models through `models`."""

    def __init__(self, ledger: Ledger, models: Models) -> None:
        self.ledger = ledger
        self.models = models
        self.capping = AutomationCapping(ledger.work)

    async def run(
        self, subject: Subject, account_id: str | None, policy_key: str, content: ModelContent, actor: str
    ) -> list[RuleOutcome]:
        """Every active rule's outcome; a retry with the same content answers from what the first run recorded."""
        subject.validate()
        content.validate()
        automation, prompt, asked = await run_in_threadpool(self._prepare, subject, account_id, policy_key, content)
        guidance = automation.policy.terms.guidance
        assert guidance is not None  # a rule was configured only on a policy with guidance, and guidance stays
        calls = await asyncio.gather(*(
            self.models.classify(a.rule.settings.route, prompt, policy_key, guidance.criterion_ids)
            for a in asked if a.known is None
        ))
        return await run_in_threadpool(self._record, subject, account_id, automation, prompt, content, asked,
                                       iter(calls), actor)

    def _prepare(
        self, subject: Subject, account_id: str | None, policy_key: str, content: ModelContent
    ) -> tuple[PolicyAutomation, Prompt, list[_Asked]]:
        automation = self.ledger.automation.policy_automation(subject.domain, policy_key, account_id)
        prompt = build_prompt(automation.policy, content)
        keys = {r.id: _external_id(r, subject, prompt) for r in automation.rules}
        ids = {r.id: Detection.create_id(_source(content), keys[r.id]) for r in automation.rules}
        known = self.ledger.work.load_all(Detection, list(ids.values()))
        return automation, prompt, [_Asked(r, keys[r.id], known.get(ids[r.id])) for r in automation.rules]

    def _record(
        self, subject: Subject, account_id: str | None, automation: PolicyAutomation, prompt: Prompt,
        content: ModelContent, asked: list[_Asked], calls: Any, actor: str,
    ) -> list[RuleOutcome]:
        outcomes = []
        for a in asked:
            call: ModelCall | None = None
            if a.known is not None:
                detection, position = a.known, self.ledger.head()
                plan = _recorded_plan(detection)
            else:
                call = next(calls)
                plan = plan_action(a.rule, automation.policy, call.classification, automation.protection)
                if plan.outcome is AutoOutcome.DECIDED:
                    plan = self._within_caps(a, account_id, plan)
                facts = _facts(a, subject, account_id, automation, prompt, content, call, plan, self.ledger.clock())
                recorded = self.ledger.record_detection(facts, actor)
                detection, position = recorded.detection, recorded.position
            decision_id = None
            if plan.outcome is AutoOutcome.DECIDED:
                plan, decision_id, position = self._decide(a, subject, account_id, detection, plan, position)
            outcomes.append(RuleOutcome(a.rule, call, detection, plan, decision_id, position))
        self._note_failures(outcomes, actor)
        return outcomes

    def _note_failures(self, outcomes: list[RuleOutcome], actor: str) -> None:
        """Counts the provider failures of rules whose failures reach the review queue, for the circuit breaker."""
        for o in outcomes:
            if o.call is not None and o.call.provider_failed and o.rule.mode in BREAKABLE:
                reason = str(getattr(o.call.classification, "reason", ""))
                self.ledger.note_provider_failures(o.rule.id, 1, reason, actor)

    def _within_caps(self, asked: _Asked, account_id: str | None, plan: AutoPlan) -> AutoPlan:
        """The decision planned, counted against the rule's caps; past one, the case queued for a human instead."""
        try:
            reached = self.capping.reserve(asked.rule, account_id, asked.external_id, f"automation:{asked.rule.id}")
        except ConflictError as busy:  # the tallies kept changing under other decisions: a human decides
            return AutoPlan(AutoOutcome.QUEUED, f"not counted against the caps: {busy.message}", plan.actions)
        if reached is None:
            return plan
        return AutoPlan(AutoOutcome.QUEUED, reached.reason, plan.actions, cap=reached.cap)

    def _decide(
        self, asked: _Asked, subject: Subject, account_id: str | None, detection: Detection, plan: AutoPlan,
        position: int,
    ) -> tuple[AutoPlan, UUID | None, int]:
        """A fully automated decision through `decide`; when the case refuses it (a reviewer holds it), the case
        stays queued for them."""
        evidence = detection.facts.evidence["automation"]
        verdict = Verdict(
            outcome=Outcome.VIOLATING, actions=tuple(Action(a) for a in plan.actions),
            rationale=f"Automated by rule {asked.rule.id} ({evidence['model']}): {evidence['verdict']['rationale']}",
            content_type=detection.facts.content_type, automation=AutomationLevel.FULLY,
            idempotency_key=asked.external_id,
        )
        try:
            made = self.ledger.decide(
                subject, asked.rule.policy_key, verdict, [detection.id], account_id, automation_actor(asked.rule.id)
            )
        except ConflictError as refused:
            return AutoPlan(AutoOutcome.QUEUED, f"not decided: {refused.message}", plan.actions), None, position
        decision_id, position = made.decision.decision_id, made.position
        if sampled_for_qa(decision_id, asked.rule.settings.qa_sample_rate):
            qa = self.ledger.draw_qa_sample(
                asked.rule.id, decision_id, subject, made.case.account_id, asked.rule.policy_key,
                automation_actor(asked.rule.id),
            )
            position = max(position, qa)
        return plan, decision_id, position


def _external_id(rule: AutomationRule, subject: Subject, prompt: Prompt) -> str:
    """The detection's key: the rule, the subject and exactly what the model was asked, so a retry finds it."""
    digest = hashlib.sha256(f"{rule.id}|{subject.key}|{prompt.prompt_hash}".encode()).hexdigest()
    return f"auto:{rule.id}:{digest[:32]}"


def _source(content: ModelContent) -> DetectionSource:
    return DetectionSource.VLM if content.image_urls else DetectionSource.LLM


def _facts(
    asked: _Asked, subject: Subject, account_id: str | None, automation: PolicyAutomation, prompt: Prompt,
    content: ModelContent, call: ModelCall, plan: AutoPlan, now: datetime,
) -> DetectionFacts:
    classification = call.classification
    record: dict[str, Any] = {
        "rule": str(asked.rule.id), "mode": str(asked.rule.mode), "model": call.model,
        "policy_version": prompt.policy_version, "prompt_version": prompt.prompt_version,
        "prompt_hash": prompt.prompt_hash, "latency_ms": round(call.latency_ms, 1),
        "tokens": {"prompt": call.prompt_tokens, "completion": call.completion_tokens}, "cost": call.cost,
        "outcome": str(plan.outcome), "reason": plan.reason,
    }
    if plan.cap is not None:
        record["capped"] = plan.cap
    if isinstance(classification, ModelVerdict):
        record["verdict"] = {
            "violation": int(classification.violation), "policy_category": classification.policy_category,
            "rule_ids": list(classification.rule_ids), "confidence": classification.confidence,
            "rationale": classification.rationale,
        }
        confidence = classification.violation_probability
    else:
        record["failed"] = classification.reason
        confidence = 0.0
    if plan.outcome is not AutoOutcome.RECORDED:
        record["recommendation"] = {"outcome": str(Outcome.VIOLATING), "actions": [str(a) for a in plan.actions]}
    return DetectionFacts(
        subject=subject, account_id=account_id, policy_key=automation.policy.key,
        source=_source(content), external_id=asked.external_id, confidence=confidence, model=call.model,
        content_type=ContentType.IMAGE if content.image_urls and not content.text else ContentType.TEXT,
        content=None, evidence={"automation": record}, detected_at=now,
        for_review=plan.outcome is not AutoOutcome.RECORDED,
    )


def _recorded_plan(detection: Detection) -> AutoPlan:
    """What the first run of a retried request made of its verdict, as its detection recorded it."""
    record = detection.facts.evidence["automation"]
    actions = record.get("recommendation", {}).get("actions", [])
    return AutoPlan(AutoOutcome(record["outcome"]), record["reason"], tuple(ActionType(a) for a in actions))

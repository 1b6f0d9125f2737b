"""Automation rules, their evidence and figures, and what running them on content did."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from app.automation.running import RuleOutcome
from app.graphql.core.values import Subject
from domain.automation import AgreementFigures, AutomationMode, AutoOutcome, EvaluationFigures, Shortfall
from domain.protection import Protection as DomainProtection
from domain.values import ActionType, DetectionSource
from projections.automation_quality.rows import QualityRow
from projections.automation_rules.rows import AutomationRuleRow


@strawberry.type(description="What an evaluation must show before a rule may act alone.")
class LaunchCriteria:
    min_samples: int
    min_precision: float
    min_recall: float
    min_kappa: float


@strawberry.type(description="How many automated decisions a rule may make per account an hour, and in all a day.")
class AutomationCaps:
    per_account_per_hour: int
    per_day: int


@strawberry.type(description="A golden-set evaluation of a rule against one policy version.")
class Evaluation:
    policy_version: int
    samples: int
    precision: float
    recall: float
    f1: float
    kappa: float
    confusion: list[list[int]] = strawberry.field(
        description="[[true negatives, false positives], [false negatives, true positives]]"
    )
    failed: int
    cost: float
    latency_p50_ms: float
    latency_p95_ms: float
    golden_set: str
    evaluated_at: datetime | None

    @classmethod
    def of(cls, figures: EvaluationFigures | None, at: datetime | None) -> Evaluation | None:
        if figures is None:
            return None
        return cls(
            policy_version=figures.policy_version, samples=figures.samples, precision=figures.precision,
            recall=figures.recall, f1=figures.f1, kappa=figures.kappa,
            confusion=[list(row) for row in figures.confusion], failed=figures.failed, cost=figures.cost,
            latency_p50_ms=figures.latency_p50_ms, latency_p95_ms=figures.latency_p95_ms,
            golden_set=figures.golden_set, evaluated_at=at,
        )


@strawberry.type(description="How a rule's verdicts on one policy version agreed with the human decisions later "
                 "made on the same cases (a failed classification counts as no violation).")
class ShadowAgreement:
    policy_version: int
    samples: int = strawberry.field(description="Verdicts whose case a human has decided since.")
    precision: float
    recall: float
    kappa: float = strawberry.field(description="Cohen's kappa between the rule and the humans.")
    confusion: list[list[int]] = strawberry.field(
        description="[[both not violating, rule violating and human not], [rule not and human violating, both]]"
    )
    position: str = strawberry.field(description="The ledger position the figures were measured at.")

    @classmethod
    def of(cls, figures: AgreementFigures) -> ShadowAgreement:
        return cls(
            policy_version=figures.policy_version, samples=figures.samples, precision=figures.precision,
            recall=figures.recall, kappa=figures.kappa, confusion=[list(row) for row in figures.confusion],
            position=str(figures.position),
        )


@strawberry.type(description="A launch criterion the recorded evidence fails.")
class LaunchShortfall:
    evidence: str = strawberry.field(description="`evaluation` or `shadow agreement`.")
    criterion: str = strawberry.field(
        description="`samples`, `precision`, `recall`, `kappa`; `present` or `policy version` when it is missing."
    )
    value: float | None
    required: float | None
    message: str


@strawberry.type(description="AUTO was refused: the rule's evidence does not meet its launch criteria; nothing was "
                 "written.")
class InsufficientEvidenceError:
    message: str
    shortfalls: list[LaunchShortfall]

    @classmethod
    def of(cls, message: str, shortfalls: tuple[Shortfall, ...]) -> InsufficientEvidenceError:
        return cls(message=message, shortfalls=[
            LaunchShortfall(evidence=s.evidence, criterion=s.criterion, value=s.value, required=s.required,
                            message=s.message)
            for s in shortfalls
        ])


@strawberry.type(description="What a rule has done: verdicts (violations among them), failed classifications, cases "
                 "sent to a human, decisions made alone.")
class AutomationFigures:
    verdicts: int
    violations: int
    failures: int
    queued: int
    decided: int


@strawberry.type(description="A rule in production: automated decisions drawn for human QA and how QA judged them, "
                 "appeals overturned, the rolling precision those judgments measure since it was put in its mode, "
                 "its provider's failures, and its circuit breaker (CLOSED, or TRIPPED: demoted to SHADOW on them).")
class AutomationQuality:
    qa_sampled: int
    qa_judged: int
    qa_disagreed: int
    overturned: int
    window_judged: int = strawberry.field(description="Judgments in the rolling window the precision is measured on.")
    rolling_precision: float | None = strawberry.field(description="Null before any judgment in the window.")
    provider_failures: int
    breaker: str
    tripped_at: datetime | None
    trip_reason: str | None
    trip_figures: JSON | None = strawberry.field(description="The measurements that tripped the breaker.")

    @classmethod
    def of(cls, row: QualityRow) -> AutomationQuality:
        return cls(
            qa_sampled=row.qa_sampled, qa_judged=row.qa_judged, qa_disagreed=row.qa_disagreed,
            overturned=row.overturned, window_judged=row.window_judged, rolling_precision=row.rolling_precision,
            provider_failures=row.provider_failures, breaker=row.breaker, tripped_at=row.tripped_at,
            trip_reason=row.trip_reason, trip_figures=cast(JSON, row.trip_figures),
        )


@strawberry.type(description="A model judging content against one policy, in a mode its evidence allows.")
class AutomationRule:
    id: strawberry.ID
    domain: str
    policy: str
    model: str
    api_base: str | None
    api_key_env: str | None = strawberry.field(description="The NAME of the environment variable holding the key.")
    fallbacks: list[str]
    threshold: float
    allowed_actions: list[ActionType]
    launch_criteria: LaunchCriteria
    qa_sample_rate: float
    precision_floor: float
    caps: AutomationCaps
    policy_version: int = strawberry.field(description="The policy version it was configured against.")
    mode: AutomationMode
    mode_reason: str
    mode_changed_at: datetime
    mode_changed_by: str
    evaluation: Evaluation | None = strawberry.field(description="Its latest evaluation, the evidence for AUTO.")
    figures: AutomationFigures | None = strawberry.field(
        description="Counted by the read models: null in a mutation's answer, read automationRules for them."
    )
    quality: AutomationQuality | None = strawberry.field(
        description="Counted by the read models, as figures are: null in a mutation's answer."
    )
    position: str
    shadow_agreement: list[ShadowAgreement] | None = strawberry.field(
        default=None,
        description="Agreement with human decisions per policy version, newest first: null in a mutation's answer.",
    )

    @classmethod
    def of_row(cls, row: AutomationRuleRow, quality: QualityRow | None = None) -> AutomationRule:
        s = row.settings
        figures = row.figures
        return cls(
            id=strawberry.ID(row.rule_id), domain=row.domain, policy=row.policy_key, model=row.model,
            api_base=s.route.api_base, api_key_env=s.route.api_key_env, fallbacks=list(s.route.fallbacks),
            threshold=s.threshold, allowed_actions=list(s.allowed_actions),
            launch_criteria=LaunchCriteria(
                min_samples=s.launch_criteria.min_samples, min_precision=s.launch_criteria.min_precision,
                min_recall=s.launch_criteria.min_recall, min_kappa=s.launch_criteria.min_kappa,
            ),
            qa_sample_rate=s.qa_sample_rate, precision_floor=s.precision_floor,
            caps=AutomationCaps(per_account_per_hour=s.caps.per_account_per_hour, per_day=s.caps.per_day),
            policy_version=row.policy_version, mode=AutomationMode(row.mode), mode_reason=row.mode_reason,
            mode_changed_at=row.mode_changed_at, mode_changed_by=row.mode_changed_by,
            evaluation=Evaluation.of(row.evaluation, row.evaluated_at),
            figures=None if figures is None else AutomationFigures(
                verdicts=figures.verdicts, violations=figures.violations, failures=figures.failures,
                queued=figures.queued, decided=figures.decided,
            ),
            quality=None if figures is None else AutomationQuality.of(quality or QualityRow(row.rule_id)),
            position=str(row.position),
        )


@strawberry.type(description="One rule's verdict on the content, how it was recorded and what followed.")
class RuleVerdict:
    rule: strawberry.ID
    model: str
    mode: AutomationMode
    outcome: AutoOutcome = strawberry.field(
        description="RECORDED: nothing else changed; QUEUED: sent to a human; DECIDED: decided without a human."
    )
    reason: str
    violation: bool | None = strawberry.field(description="Null when the classification failed.")
    confidence: float | None
    rule_ids: list[str] = strawberry.field(description="The policy's criteria the model cited.")
    rationale: str | None
    failure: str | None = strawberry.field(description="Why the classification failed, if it did.")
    recommended_actions: list[ActionType]
    detection_id: strawberry.ID
    source: DetectionSource
    decision_id: strawberry.ID | None
    latency_ms: float | None = strawberry.field(description="Null when a retry found the verdict recorded.")
    prompt_tokens: int | None
    completion_tokens: int | None
    cost: float | None
    prompt_hash: str
    policy_version: int
    position: str

    @classmethod
    def of(cls, outcome: RuleOutcome) -> RuleVerdict:
        detection = outcome.detection
        record = detection.facts.evidence["automation"]
        verdict = record.get("verdict")
        call = outcome.call
        return cls(
            rule=strawberry.ID(str(outcome.rule.id)), model=record["model"], mode=AutomationMode(record["mode"]),
            outcome=outcome.plan.outcome, reason=outcome.plan.reason,
            violation=None if verdict is None else bool(verdict["violation"]),
            confidence=None if verdict is None else verdict["confidence"],
            rule_ids=[] if verdict is None else list(verdict["rule_ids"]),
            rationale=None if verdict is None else verdict["rationale"], failure=record.get("failed"),
            recommended_actions=list(outcome.plan.actions), detection_id=strawberry.ID(str(detection.id)),
            source=detection.facts.source,
            decision_id=None if outcome.decision_id is None else strawberry.ID(str(outcome.decision_id)),
            latency_ms=None if call is None else round(call.latency_ms, 1),
            prompt_tokens=None if call is None else call.prompt_tokens,
            completion_tokens=None if call is None else call.completion_tokens,
            cost=None if call is None else call.cost, prompt_hash=record["prompt_hash"],
            policy_version=record["policy_version"], position=str(outcome.position),
        )


@strawberry.type(description="What the policy's active rules made of the content.")
class AutoActionOutcome:
    subject: Subject
    policy: str
    verdicts: list[RuleVerdict] = strawberry.field(description="One per active rule; none when no rule is active.")
    position: str


@strawberry.type(description="Whether an account is protected from automated decisions, and why.")
class AccountProtection:
    account_id: str
    protected: bool
    reason: str
    position: str

    @classmethod
    def of(cls, protection: DomainProtection, position: int) -> AccountProtection:
        return cls(account_id=protection.account_id, protected=protection.protected, reason=protection.reason,
                   position=str(position))

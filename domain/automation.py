"""AutomationRule: a model judging content against one policy, allowed to act only as far as its evidence justifies."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.errors import ConflictError, ValidationError
from domain.model_verdict import FailedClassification, ModelVerdict
from domain.policy import Policy
from domain.protection import Protection
from domain.values import ActionType, check_name, check_text, parse_enum

_MODEL = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}/\S{1,200}$")
_ENV_VAR = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")
_URL = re.compile(r"^https?://[^\s/?#]+(/\S*)?$")


class AutomationMode(StrEnum):
    OFF = "OFF"
    SHADOW = "SHADOW"
    """Verdicts are recorded and nothing else changes."""
    ASSIST = "ASSIST"
    """A violating verdict queues the case with the model's recommendation for a human to confirm."""
    AUTO = "AUTO"
    """A violating verdict at or above the threshold is decided without a human; below it, a human decides."""


def _fraction(value: Any, name: str, low_open: bool = False) -> float:
    """`value` as a float in [0, 1] ((0, 1] when `low_open`), or a ValidationError naming `name`."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not (0 < value <= 1 if low_open else 0 <= value <= 1):
        raise ValidationError(f"{name} must lie in {'(0, 1]' if low_open else '[0, 1]'}, not {value!r}", name)
    return float(value)


@dataclass(frozen=True)
class LaunchCriteria:
    """What an evaluation must show before a rule may act alone (defaults: 150 samples, P 0.95, R 0.80, kappa 0.80)."""

    min_samples: int = 150
    min_precision: float = 0.95
    min_recall: float = 0.80
    min_kappa: float = 0.80

    def validate(self) -> LaunchCriteria:
        if not isinstance(self.min_samples, int) or not 1 <= self.min_samples <= 1_000_000:
            field = "launchCriteria.minSamples"
            raise ValidationError(f"{field} must be between 1 and 1000000", field)
        _fraction(self.min_precision, "launchCriteria.minPrecision")
        _fraction(self.min_recall, "launchCriteria.minRecall")
        _fraction(self.min_kappa, "launchCriteria.minKappa")
        return self

    def shortfalls(self, figures: Measured, evidence: str = "evaluation") -> list[Shortfall]:
        """What `figures` lack against these criteria; empty when they meet them all."""
        wanted = [
            ("samples", figures.samples, self.min_samples),
            ("precision", figures.precision, self.min_precision),
            ("recall", figures.recall, self.min_recall),
            ("kappa", figures.kappa, self.min_kappa),
        ]
        return [
            Shortfall(evidence, name, value, least, f"{evidence} {name} {value:g} < {least:g}")
            for name, value, least in wanted if value < least
        ]


class Measured(Protocol):
    """Evidence measured against labels: an evaluation on a golden set, or shadow agreement with humans."""

    @property
    def samples(self) -> int: ...

    @property
    def precision(self) -> float: ...

    @property
    def recall(self) -> float: ...

    @property
    def kappa(self) -> float: ...


@dataclass(frozen=True)
class Shortfall:
    """One launch criterion that recorded evidence fails; `value` and `required` are None for evidence missing."""

    evidence: str
    """`evaluation` or `shadow agreement`."""
    criterion: str
    """`samples`, `precision`, `recall` or `kappa`; or `present` or `policy version` when the evidence is missing."""
    value: float | None
    required: float | None
    message: str


@dataclass(frozen=True)
class Caps:
    """How many automated decisions a rule may make per account an hour and in all a day."""

    per_account_per_hour: int = 5
    per_day: int = 10_000

    def validate(self) -> Caps:
        for name, value in (("caps.perAccountPerHour", self.per_account_per_hour), ("caps.perDay", self.per_day)):
            if not isinstance(value, int) or not 1 <= value <= 10_000_000:
                raise ValidationError(f"{name} must be between 1 and 10000000", name)
        return self


@dataclass(frozen=True)
class ModelRoute:
    """Where a rule's model is called: litellm's `provider/model`, an optional API base, the NAME of the environment
    variable holding its key (never the key), and the price to count when the provider's is not known."""

    model: str
    api_base: str | None = None
    api_key_env: str | None = None
    input_cost_per_token: float | None = None
    output_cost_per_token: float | None = None
    fallbacks: tuple[str, ...] = ()
    """Models (`provider/model`, at the same API base and key) tried in turn when this one keeps failing."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "fallbacks", tuple(self.fallbacks))

    def validate(self) -> ModelRoute:
        for name, model in (("model", self.model), *(("fallbacks", m) for m in self.fallbacks)):
            if not isinstance(model, str) or not _MODEL.match(model):
                raise ValidationError(
                    f"{name} must name a provider and a model as litellm does (e.g. openai/gpt-4o-mini), not {model!r}",
                    name,
                )
        if self.model in self.fallbacks or len(set(self.fallbacks)) != len(self.fallbacks):
            raise ValidationError("fallbacks must not repeat the model or each other", "fallbacks")
        if self.api_base is not None and not _URL.match(self.api_base):
            raise ValidationError("apiBase must be an http(s) URL", "apiBase")
        if self.api_key_env is not None and not _ENV_VAR.match(self.api_key_env):
            raise ValidationError(
                "apiKeyEnv must be the NAME of an environment variable (upper-case letters, digits, _), never a key",
                "apiKeyEnv",
            )
        for name, value in (("inputCostPerToken", self.input_cost_per_token),
                            ("outputCostPerToken", self.output_cost_per_token)):
            if value is not None and (not isinstance(value, int | float) or not 0 <= value < 1):
                raise ValidationError(f"{name} must be at least 0 and below 1 (a price per token)", name)
        return self

    @property
    def provider(self) -> str:
        return self.model.split("/", 1)[0]


@dataclass(frozen=True)
class RuleSettings:
    """How a rule runs: its model, the confidence it acts at, its launch criteria, QA rate, floor, caps and actions."""

    route: ModelRoute
    threshold: float
    allowed_actions: tuple[ActionType, ...]
    launch_criteria: LaunchCriteria = field(default_factory=LaunchCriteria)
    qa_sample_rate: float = 0.02
    precision_floor: float = 0.90
    caps: Caps = field(default_factory=Caps)

    def __post_init__(self) -> None:
        actions = tuple(parse_enum(ActionType, a, "allowedActions") for a in self.allowed_actions)
        object.__setattr__(self, "allowed_actions", actions)

    def validate(self, policy: Policy) -> RuleSettings:
        """Checks the settings, and that `policy` lets automation take every action they name."""
        self.route.validate()
        self.launch_criteria.validate()
        self.caps.validate()
        _fraction(self.threshold, "threshold", low_open=True)
        _fraction(self.qa_sample_rate, "qaSampleRate")
        _fraction(self.precision_floor, "precisionFloor")
        if not self.allowed_actions:
            raise ValidationError("allowedActions must name at least one action", "allowedActions")
        if len(set(self.allowed_actions)) != len(self.allowed_actions):
            raise ValidationError("allowedActions must not repeat", "allowedActions")
        terms = policy.terms
        for action in self.allowed_actions:
            if action not in terms.allowed_actions:
                raise ValidationError(f"policy {policy.domain}/{policy.key} does not allow {action}", "allowedActions")
            if action in terms.never_automated:
                raise ValidationError(
                    f"policy {policy.domain}/{policy.key} never lets automation take {action}", "allowedActions"
                )
        return self


@dataclass(frozen=True)
class EvaluationFigures:
    """What a golden-set run measured, against the policy version and prompt it ran on."""

    policy_version: int
    samples: int
    precision: float
    recall: float
    f1: float
    kappa: float
    confusion: tuple[tuple[int, int], tuple[int, int]]
    """[[true negatives, false positives], [false negatives, true positives]], as scikit-learn orders them."""
    failed: int
    cost: float
    latency_p50_ms: float
    latency_p95_ms: float
    golden_set: str
    """The golden set's name and content hash."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "confusion", tuple(tuple(row) for row in self.confusion))


@dataclass(frozen=True)
class AgreementFigures:
    """How a rule's verdicts on one policy version agreed with the human decisions later made on the same cases."""

    policy_version: int
    samples: int
    precision: float
    recall: float
    kappa: float
    confusion: tuple[tuple[int, int], tuple[int, int]]
    """[[both not violating, rule violating and human not], [rule not and human violating, both violating]]."""
    position: int
    """The ledger position the shadow-agreement read model had reached when they were measured."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "confusion", tuple(tuple(row) for row in self.confusion))


@dataclass(frozen=True)
class ItemVerdict:
    """One golden-set item's label beside what the rule answered."""

    item: str
    expected: bool
    violation: bool | None
    """None when the classification failed."""
    confidence: float | None
    reason: str


class AutomationRule(DocketAggregate):
    """A policy's rule for one model; its mode moves to AUTO only on evidence measured against the current version."""

    if TYPE_CHECKING:
        domain: str
        policy_key: str
        settings: RuleSettings
        policy_version: int
        mode: AutomationMode
        evaluation: EvaluationFigures | None
        mode_reason: str
        mode_changed_at: datetime
        mode_changed_by: str
        configured_at: datetime
        configured_by: str
        evaluated_at: datetime | None

    @staticmethod
    def create_id(domain: str, policy_key: str, model: str) -> UUID:
        return natural_id("automation-rule", domain, policy_key, model)

    class Configured(DocketAggregate.Created):
        domain: str
        policy_key: str
        policy_version: int
        settings: RuleSettings

        def apply(self, rule: AutomationRule) -> None:
            rule.domain = self.domain
            rule.policy_key = self.policy_key
            rule.settings = self.settings
            rule.policy_version = self.policy_version
            rule.mode = AutomationMode.OFF
            rule.evaluation = None
            rule.mode_reason = "configured"
            rule.mode_changed_at = self.occurred_at
            rule.mode_changed_by = self.actor
            rule.configured_at = self.occurred_at
            rule.configured_by = self.actor
            rule.evaluated_at = None

    class Reconfigured(DocketAggregate.Event):
        policy_version: int
        settings: RuleSettings

        def apply(self, rule: AutomationRule) -> None:
            rule.settings = self.settings
            rule.policy_version = self.policy_version

    class ModeChanged(DocketAggregate.Event):
        mode: AutomationMode
        previous: AutomationMode
        reason: str
        figures: EvaluationFigures | None
        """The evidence the change rests on (for AUTO, the evaluation that met the launch criteria)."""
        agreement: AgreementFigures | None = None
        """For AUTO, the shadow agreement with human decisions that met them too."""

        def apply(self, rule: AutomationRule) -> None:
            rule.mode = AutomationMode(self.mode)
            rule.mode_reason = self.reason
            rule.mode_changed_at = self.occurred_at
            rule.mode_changed_by = self.actor

    class Evaluated(DocketAggregate.Event):
        figures: EvaluationFigures
        items: tuple[ItemVerdict, ...]

        def apply(self, rule: AutomationRule) -> None:
            rule.evaluation = self.figures
            rule.evaluated_at = self.occurred_at

    class Demoted(DocketAggregate.Event):
        """Dropped from AUTO to SHADOW without a person: its evidence no longer holds (new policy version, breaker)."""

        reason: str
        figures: dict[str, Any]

        def apply(self, rule: AutomationRule) -> None:
            rule.mode = AutomationMode.SHADOW
            rule.mode_reason = self.reason
            rule.mode_changed_at = self.occurred_at
            rule.mode_changed_by = self.actor

    class Tripped(Demoted):
        """The circuit breaker demoted it to SHADOW: its measured precision fell below the floor, or its provider kept
        failing; `figures` are the measurements that tripped it."""

    @classmethod
    def configure(cls, policy: Policy, settings: RuleSettings, actor: str, at: datetime) -> AutomationRule:
        """A new rule, OFF, for `policy` as now published; the policy must give guidance a model can read."""
        _check_automatable(policy)
        settings.validate(policy)
        rule_id = cls.create_id(policy.domain, policy.key, settings.route.model)
        return cls._start(
            cls.Configured, rule_id, actor, at, domain=policy.domain, policy_key=policy.key,
            policy_version=policy.policy_version, settings=settings,
        )

    def reconfigure(self, policy: Policy, settings: RuleSettings, actor: str, at: datetime) -> None:
        """New settings; the same again change nothing. An AUTO rule drops to SHADOW: its evidence was for others."""
        _check_automatable(policy)
        settings.validate(policy)
        if settings == self.settings and policy.policy_version == self.policy_version:
            return
        self._record(self.Reconfigured, actor, at, policy_version=policy.policy_version, settings=settings)
        if self.mode is AutomationMode.AUTO:
            self._record(self.Demoted, actor, at, reason="reconfigured: its evidence was for other settings",
                         figures={})

    def set_mode(
        self, mode: AutomationMode, reason: str, policy: Policy, actor: str, at: datetime,
        agreement: AgreementFigures | None = None,
    ) -> None:
        """Changes the mode; AUTO only when the latest evaluation and the shadow `agreement`, both of the policy
        version now published, meet the launch criteria (an InsufficientEvidence error naming each criterion they
        fail otherwise). The same mode again changes nothing."""
        mode = parse_enum(AutomationMode, mode, "mode")
        check_text(reason, "reason", 2_000)
        if mode is self.mode:
            return
        figures = self.evaluation
        if mode is not AutomationMode.AUTO:
            agreement = None
        else:
            self.check_evidence(policy, agreement)
        self._record(self.ModeChanged, actor, at, mode=mode, previous=self.mode, reason=reason, figures=figures,
                     agreement=agreement)

    def check_evidence(self, policy: Policy, agreement: AgreementFigures | None) -> None:
        """Raises InsufficientEvidence unless the latest evaluation and the shadow agreement are both of `policy`'s
        current version and meet the launch criteria."""
        shortfalls = [
            *_evidence_shortfalls("evaluation", self.evaluation, policy, self.settings.launch_criteria,
                                  "run docket eval"),
            *_evidence_shortfalls("shadow agreement", agreement, policy, self.settings.launch_criteria,
                                  "run it in SHADOW while humans decide its cases"),
        ]
        if shortfalls:
            raise InsufficientEvidence(
                f"rule {self.id} may not act alone: {'; '.join(s.message for s in shortfalls)}", tuple(shortfalls)
            )

    def record_evaluation(
        self, figures: EvaluationFigures, items: tuple[ItemVerdict, ...], actor: str, at: datetime
    ) -> None:
        if figures.samples != len(items):
            raise ValidationError("an evaluation's figures count each of its items", "items")
        self._record(self.Evaluated, actor, at, figures=figures, items=tuple(items))

    def demote(self, reason: str, figures: dict[str, Any], actor: str, at: datetime) -> None:
        """Drops an AUTO rule to SHADOW, saying why; any other mode is left alone."""
        check_text(reason, "reason", 2_000)
        if self.mode is AutomationMode.AUTO:
            self._record(self.Demoted, actor, at, reason=reason, figures=figures)

    def trip(self, reason: str, figures: dict[str, Any], actor: str, at: datetime) -> None:
        """The circuit breaker drops an ASSIST or AUTO rule to SHADOW, with the figures that tripped it."""
        if self.mode in (AutomationMode.ASSIST, AutomationMode.AUTO):
            self._record(self.Tripped, actor, at, reason=reason, figures=figures)

    def follow_policy(self, policy: Policy, actor: str, at: datetime) -> None:
        """Evidence belongs to a policy version: an AUTO rule whose evaluation is of another version than `policy`'s
        drops to SHADOW until it is evaluated again."""
        evaluated = None if self.evaluation is None else self.evaluation.policy_version
        if self.mode is AutomationMode.AUTO and evaluated != policy.policy_version:
            self.demote(
                f"policy {policy.key} v{policy.policy_version} was published; the rule's evidence is for v{evaluated}",
                {"policy_version": policy.policy_version, "evaluated_version": evaluated}, actor, at,
            )

    @property
    def active(self) -> bool:
        return self.mode is not AutomationMode.OFF


class InsufficientEvidence(ConflictError):
    """Raised when a rule is asked to act alone without recorded evidence that meets its launch criteria."""

    def __init__(self, message: str, shortfalls: tuple[Shortfall, ...] = ()) -> None:
        super().__init__(message)
        self.shortfalls = shortfalls


def _evidence_shortfalls(
    evidence: str, figures: EvaluationFigures | AgreementFigures | None, policy: Policy, criteria: LaunchCriteria,
    remedy: str,
) -> list[Shortfall]:
    """What one piece of evidence lacks for AUTO: all of it, its policy version, or criteria it falls short of."""
    version = policy.policy_version
    if figures is None:
        return [Shortfall(evidence, "present", None, None, f"no {evidence} of v{version}; {remedy}")]
    if figures.policy_version != version:
        return [Shortfall(
            evidence, "policy version", figures.policy_version, version,
            f"the {evidence} is of {policy.key} v{figures.policy_version}, and v{version} is published; "
            f"{'evaluate it again' if evidence == 'evaluation' else remedy}",
        )]
    return criteria.shortfalls(figures, evidence)


def _check_automatable(policy: Policy) -> None:
    check_name(policy.domain, "domain")
    if policy.retired:
        raise ConflictError(f"policy {policy.domain}/{policy.key} is retired")
    if policy.terms.guidance is None:
        raise ValidationError(
            f"policy {policy.domain}/{policy.key} has no guidance (instructions, definitions, what violates, what is "
            "safe, examples) for a model to read; publish a version with it first",
            "policy",
        )


class AutoOutcome(StrEnum):
    """What a rule's verdict led to."""

    RECORDED = "RECORDED"
    """Recorded and nothing else: in SHADOW, or a verdict that finds no violation."""
    QUEUED = "QUEUED"
    """Sent to a human: a recommendation (ASSIST), a verdict automation may not act on alone, or a failure."""
    DECIDED = "DECIDED"
    """Decided without a human (AUTO): a fully automated decision."""


@dataclass(frozen=True)
class AutoPlan:
    outcome: AutoOutcome
    reason: str
    actions: tuple[ActionType, ...] = ()
    cap: str | None = None
    """The cap (`perAccountPerHour`, `perDay`) that sent a decision AUTO would have made to a human instead."""


def plan_action(
    rule: AutomationRule, policy: Policy, verdict: ModelVerdict | FailedClassification, protection: Protection | None
) -> AutoPlan:
    """What a rule in its mode does with a classification: record it, send it to a human, or decide alone.

    Never an automated decision on a failed classification, below the threshold, on a protected account, under a
    zero-tolerance or retired policy, or with an action the policy as now published never automates.
    """
    return plan_for(rule.mode, rule.settings, policy, verdict, protection)


def plan_for(
    mode: AutomationMode, settings: RuleSettings, policy: Policy, verdict: ModelVerdict | FailedClassification,
    protection: Protection | None,
) -> AutoPlan:
    """`plan_action` for a rule of these settings in `mode`: what it does, or in a replay would have done."""
    if mode in (AutomationMode.OFF, AutomationMode.SHADOW):
        return AutoPlan(AutoOutcome.RECORDED, f"{mode}: verdict recorded, nothing else changes")
    if isinstance(verdict, FailedClassification):
        return AutoPlan(AutoOutcome.QUEUED, f"classification failed: {verdict.reason}")
    if not verdict.violation:
        return AutoPlan(AutoOutcome.RECORDED, "the model found no violation")
    if mode is AutomationMode.ASSIST:
        actions = settings.allowed_actions
        return AutoPlan(AutoOutcome.QUEUED, "ASSIST: a recommendation for a human to confirm", actions)
    held = _held(settings, policy, verdict, protection)
    if held is not None:
        return AutoPlan(AutoOutcome.QUEUED, held, settings.allowed_actions)
    return AutoPlan(
        AutoOutcome.DECIDED, f"AUTO: confidence {verdict.confidence:g} >= threshold {settings.threshold:g}",
        settings.allowed_actions,
    )


def _held(settings: RuleSettings, policy: Policy, verdict: ModelVerdict, protection: Protection | None) -> str | None:
    """Why an AUTO rule's violating verdict goes to a human instead; None when it may decide."""
    if verdict.confidence < settings.threshold:
        return f"confidence {verdict.confidence:g} is below the threshold {settings.threshold:g}"
    if protection is not None and protection.protected:
        return f"account {protection.account_id} is protected from automated decisions: {protection.reason}"
    if policy.retired:
        return f"policy {policy.key} is retired"
    if policy.terms.zero_tolerance:
        return f"policy {policy.key} is zero-tolerance: a strike under it ends the account, which a human decides"
    forbidden = [a for a in settings.allowed_actions if a not in policy.terms.automatable_actions]
    if forbidden:
        return f"policy {policy.key} v{policy.policy_version} never lets automation take {', '.join(forbidden)}"
    return None

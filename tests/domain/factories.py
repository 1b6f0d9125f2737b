"""Builders of domain values and aggregates for tests: pure, with time and actor always explicit."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.automation import (
    AgreementFigures,
    AutomationRule,
    EvaluationFigures,
    ItemVerdict,
    ModelRoute,
    RuleSettings,
)
from domain.base import natural_id
from domain.case import Case, Decision, Verdict
from domain.detection import Detection, DetectionFacts
from domain.guidance import Criterion, PolicyExample, PolicyGuidance
from domain.policy import Policy, PolicyTerms
from domain.values import (
    Action,
    ActionType,
    Content,
    ContentType,
    DetectionSource,
    DsaGround,
    Outcome,
    Severity,
    Subject,
)

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DOMAIN = "trust_safety"
POLICY_KEY = "spam"
ACCOUNT = "acct-1"
SUBJECT = Subject(DOMAIN, "pin", "pin-1")


def at(minutes: float = 0, days: float = 0) -> datetime:
    """A moment relative to T0."""
    return T0 + timedelta(minutes=minutes, days=days)


def terms(**changes: Any) -> PolicyTerms:
    values: dict[str, Any] = {
        "title": "Spam",
        "text": "Do not post repetitive, unsolicited commercial content.",
        "severity": Severity.MEDIUM,
        "strike_points": 1,
        "allowed_actions": (ActionType.REMOVE, ActionType.DEMOTE, ActionType.LABEL),
        "dsa_category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        "dsa_ground": DsaGround.INCOMPATIBLE_CONTENT,
        "zero_tolerance": False,
    }
    values.update(changes)
    return PolicyTerms(**values)


def published_policy(
    domain: str = DOMAIN, key: str = POLICY_KEY, when: datetime = T0, actor: str = "policy:carol", **changes: Any
) -> Policy:
    """A published policy whose Published event has already been collected."""
    policy = Policy.publish(domain, key, terms(**changes), actor, when)
    policy.collect_events()
    return policy


def facts(**changes: Any) -> DetectionFacts:
    values: dict[str, Any] = {
        "subject": SUBJECT,
        "account_id": ACCOUNT,
        "policy_key": POLICY_KEY,
        "source": DetectionSource.CLASSIFIER,
        "external_id": "clf-0001",
        "confidence": 0.93,
        "model": "spam-clf-v7",
        "content_type": ContentType.TEXT,
        "content": Content(uri="https://example.test/pins/pin-1", hash="sha256:aaaa", version="1"),
        "evidence": {"score": 0.93, "features": ["links", "repetition"]},
        "detected_at": T0,
    }
    values.update(changes)
    return DetectionFacts(**values)


def recorded_detection(
    when: datetime = T0, actor: str = "svc:classifier", policy_version: int = 1, **changes: Any
) -> Detection:
    detection = Detection.record(facts(**changes), policy_version, actor, when)
    detection.collect_events()
    return detection


def opened_case(subject: Subject = SUBJECT, account_id: str | None = ACCOUNT, when: datetime = T0) -> Case:
    case = Case.open(subject, account_id, "reviewer:alice", when)
    case.collect_events()
    return case


def violating(*actions: Action, rationale: str = "Repeated unsolicited links.", **changes: Any) -> Verdict:
    return Verdict(
        outcome=Outcome.VIOLATING,
        actions=actions or (Action(ActionType.REMOVE),),
        rationale=rationale,
        **changes,
    )


def not_violating(rationale: str = "Ordinary content; no spam signals.", **changes: Any) -> Verdict:
    return Verdict(outcome=Outcome.NOT_VIOLATING, actions=(), rationale=rationale, **changes)


def decision_id(name: str) -> UUID:
    return natural_id("test-decision", name)


def decided(
    case: Case,
    policy: Policy,
    verdict: Verdict,
    name: str,
    when: datetime = T0,
    detections: list[Detection] | None = None,
    actor: str = "reviewer:alice",
) -> Decision:
    """Decides `case`, collecting the Decided event."""
    decision = case.decide(decision_id(name), policy, verdict, detections or [], None, actor, when)
    case.collect_events()
    return decision


def declared_event(name: str, event_class: type) -> bool:
    """Whether an aggregate declares the event `name`; the library derives an `Event` and a `Created` for each one.

    A `Created` the aggregate does declare (Queue.Created) is derived from too, under the same name.
    """
    if name == "Event":
        return False
    return name != "Created" or event_class.__mro__[1].__qualname__ == event_class.__qualname__


def guidance(**changes: Any) -> PolicyGuidance:
    """Spam guidance in the sections a model reads, with four examples."""
    values: dict[str, Any] = {
        "instructions": "Decide whether the content is spam under this policy. Answer in JSON.",
        "definitions": "Spam: repetitive, unsolicited content meant to drive traffic.",
        "violates": (Criterion("SP1", "Link farms"), Criterion("SP2", "Mass-posted identical content")),
        "safe": ("A single link to one's own shop in a relevant post.",),
        "examples": (
            PolicyExample("Buy followers now!!! cheap-followers.example x20", True, ("SP1",), "A link farm."),
            PolicyExample("Same text posted on 40 boards in a minute", True, ("SP2",), "Mass-posted."),
            PolicyExample("My new pottery, shop link in bio", False, (), "One link, relevant."),
            PolicyExample("Recipe for lemon cake", False, (), "Ordinary content."),
        ),
    }
    values.update(changes)
    return PolicyGuidance(**values)


def automatable_policy(**changes: Any) -> Policy:
    """A published spam policy with guidance, whose automation may never suspend."""
    return published_policy(
        guidance=guidance(),
        allowed_actions=(ActionType.REMOVE, ActionType.DEMOTE, ActionType.SUSPEND_ACCOUNT),
        never_automated=(ActionType.SUSPEND_ACCOUNT,),
        **changes,
    )


MODEL = "openai/mod-small"


def settings(**changes: Any) -> RuleSettings:
    values: dict[str, Any] = {
        "route": ModelRoute(MODEL, api_base="http://127.0.0.1:9/v1", api_key_env="DOCKET_TEST_KEY"),
        "threshold": 0.9,
        "allowed_actions": (ActionType.REMOVE,),
    }
    values.update(changes)
    return RuleSettings(**values)


def figures(**changes: Any) -> EvaluationFigures:
    values: dict[str, Any] = {
        "policy_version": 1, "samples": 160, "precision": 0.97, "recall": 0.86, "f1": 0.91, "kappa": 0.85,
        "confusion": ((80, 2), (11, 67)), "failed": 0, "cost": 0.0123, "latency_p50_ms": 210.0,
        "latency_p95_ms": 260.0, "golden_set": "golden.jsonl sha256:ab12",
    }
    values.update(changes)
    return EvaluationFigures(**values)


def agreement(**changes: Any) -> AgreementFigures:
    values: dict[str, Any] = {
        "policy_version": 1, "samples": 150, "precision": 0.96, "recall": 0.85, "kappa": 0.82,
        "confusion": ((70, 3), (11, 66)), "position": 42,
    }
    values.update(changes)
    return AgreementFigures(**values)


def items(count: int) -> tuple[ItemVerdict, ...]:
    return tuple(ItemVerdict(f"i{n}", True, True, 0.95, "") for n in range(count))


def configured(**changes: Any) -> AutomationRule:
    rule = AutomationRule.configure(automatable_policy(), settings(**changes), "policy:carol", T0)
    rule.collect_events()
    return rule


def evaluated(rule: AutomationRule, **changes: Any) -> AutomationRule:
    result = figures(**changes)
    rule.record_evaluation(result, items(result.samples), "cli:eval", at(minutes=1))
    rule.collect_events()
    return rule

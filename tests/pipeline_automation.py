"""Helpers of the tests of rules run on pipelines' detections: rules in a mode, detections with content, verdicts."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from app.automation.test_server import RunningServer
from app.write.ledger import Ledger
from domain.automation import AgreementFigures, AutomationMode, EvaluationFigures, ItemVerdict, ModelRoute, RuleSettings
from domain.detection import Detection, DetectionFacts
from domain.prompt import ModelContent
from domain.values import ContentType, DetectionSource, Subject
from tests.conftest import MODEL_KEY_ENV

DOMAIN = "trust_safety"
SPAM = "Get 10k cheap followers now!!! Only 3 left, act now"
BENIGN = "A lemon cake recipe with a pinch of salt"


def rule(ledger: Ledger, server: RunningServer, policy: str, model: str, mode: AutomationMode) -> UUID:
    """A rule on `policy` against the test server, put in `mode`: AUTO on evidence recorded as `docket eval` and
    the shadow agreement read model would have it."""
    route = ModelRoute(f"openai/{model}", api_base=server.url, api_key_env=MODEL_KEY_ENV)
    settings = RuleSettings(route, threshold=0.8, allowed_actions=("REMOVE",), qa_sample_rate=0.0)  # type: ignore[arg-type]
    rule_id = ledger.configure_automation(DOMAIN, policy, settings, "lead:ann").rule.id
    if mode is AutomationMode.OFF:
        return rule_id
    version = ledger.get_policy(DOMAIN, policy).policy_version
    figures = EvaluationFigures(version, 160, 0.97, 0.9, 0.93, 0.88, ((80, 2), (8, 70)), 0, 0.01, 200.0, 240.0,
                                "golden")
    ledger.record_evaluation(rule_id, figures, tuple(ItemVerdict(f"i{n}", True, True, 0.9, "") for n in range(160)),
                             "cli:eval")
    agreement = AgreementFigures(version, 150, 0.97, 0.9, 0.85, ((70, 2), (8, 70)), ledger.head())
    ledger.set_automation_mode(rule_id, mode, "Measured.", "lead:ann", [agreement])
    return rule_id


def pipeline_detection(pin: str, policy: str, text: str | None) -> DetectionFacts:
    """A classifier's detection about pin `pin`, with `text` (made its own) for the rules to judge, if given."""
    return DetectionFacts(
        subject=Subject(DOMAIN, "pin", pin), account_id=f"acct-{pin}", policy_key=policy,
        source=DetectionSource.CLASSIFIER, external_id=f"clf-{pin}", confidence=0.7, model="clf-v1",
        content_type=ContentType.TEXT, content=None, evidence={}, detected_at=datetime.now(UTC),
        model_content=None if text is None else ModelContent(text=f"{text} (post {pin})"),
    )


def key(pin: str) -> str:
    return Subject(DOMAIN, "pin", pin).key


def verdicts(ledger: Ledger) -> list[DetectionFacts]:
    """Every verdict a rule recorded, read from the ledger."""
    return [e.event.facts for e in ledger.read_events(0, 100_000)
            if isinstance(e.event, Detection.Recorded) and "automation" in e.event.facts.evidence]

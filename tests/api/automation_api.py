"""GraphQL documents and helpers of the automation tests."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from app.automation.test_server import RunningServer
from app.runtime.wiring import Runtime
from domain.automation import AgreementFigures, AutomationMode, EvaluationFigures, ItemVerdict
from tests.conftest import MODEL_KEY_ENV
from tests.support import Api

FAILURES = "... on ValidationError { message field } ... on NotFoundError { message } ... on ConflictError { message }"
REFUSED = "... on InsufficientEvidenceError { message shortfalls { evidence criterion value required message } }"
RULE = f"""
__typename
... on AutomationRule {{
  id domain policy model apiBase apiKeyEnv fallbacks threshold allowedActions
  launchCriteria {{ minSamples minPrecision minRecall minKappa }} qaSampleRate precisionFloor
  caps {{ perAccountPerHour perDay }} policyVersion mode modeReason modeChangedBy
  evaluation {{ samples precision recall kappa policyVersion }} figures {{ verdicts decided }} position
  shadowAgreement {{ policyVersion samples }} }}
{FAILURES}
"""
CONFIGURE = f"mutation($i: ConfigureAutomationInput!) {{ configureAutomation(input: $i) {{ {RULE} }} }}"
SET_MODE = f"mutation($i: SetAutomationModeInput!) {{ setAutomationMode(input: $i) {{ {RULE} {REFUSED} }} }}"
AUTO_ACTION = f"""
mutation($i: AutoActionInput!) {{ autoAction(input: $i) {{
  __typename
  ... on AutoActionOutcome {{ policy position subject {{ id }} verdicts {{
    rule model mode outcome reason violation confidence ruleIds rationale failure recommendedActions detectionId
    source decisionId latencyMs promptTokens completionTokens cost promptHash policyVersion position }} }}
  {FAILURES} }} }}
"""
AUTO_ACTIONS = f"""
mutation($i: [AutoActionInput!]!) {{ autoActions(inputs: $i) {{
  __typename
  ... on AutoActionsOutcome {{ position results {{ __typename
    ... on AutoActionOutcome {{ subject {{ id }} verdicts {{ outcome decisionId failure }} }} {FAILURES} }} }}
  {FAILURES} }} }}
"""
PROTECTION = f"__typename ... on AccountProtection {{ accountId protected reason position }} {FAILURES}"
PROTECT = f"mutation($i: ProtectAccountInput!) {{ protectAccount(input: $i) {{ {PROTECTION} }} }}"
UNPROTECT = f"mutation($i: ProtectAccountInput!) {{ unprotectAccount(input: $i) {{ {PROTECTION} }} }}"
RULES = """
query($policy: String, $p: String) { automationRules(policy: $policy, minPosition: $p) {
  id domain policy model mode modeReason threshold evaluation { samples precision }
  figures { verdicts violations failures queued decided }
  shadowAgreement { policyVersion samples precision recall kappa confusion position } } }
"""


def rule_input(api_base: str, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "domain": "trust_safety", "policy": "spam", "model": "openai/mod-spam", "apiBase": api_base,
        "apiKeyEnv": MODEL_KEY_ENV, "threshold": 0.8, "allowedActions": ["REMOVE"],
        "inputCostPerToken": 0.000001, "outputCostPerToken": 0.000002,
    }
    return {**values, **changes}


def configure(api: Api, server: RunningServer, token: str | None = None, **changes: Any) -> Any:
    return api.data(CONFIGURE, {"i": rule_input(server.url, **changes)}, token)["configureAutomation"]


def set_mode(api: Api, rule: str, mode: str, reason: str = "Measured.", token: str | None = None) -> Any:
    return api.data(SET_MODE, {"i": {"rule": rule, "mode": mode, "reason": reason}}, token)["setAutomationMode"]


def auto_action(api: Api, pin: str, text: str, account: str = "acct-1", policy: str = "spam",
                token: str | None = None, **content: Any) -> Any:
    variables = {"i": {"subject": {"domain": "trust_safety", "kind": "pin", "id": pin}, "accountId": account,
                       "policy": policy, "content": {"text": text, **content}}}
    return api.data(AUTO_ACTION, variables, token)["autoAction"]


def rules(api: Api, position: str | None = None, policy: str | None = None, token: str | None = None) -> Any:
    return api.data(RULES, {"policy": policy, "p": position}, token)["automationRules"]


def runtime_of(api: Api) -> Runtime:
    return api.client.app.state.runtime  # type: ignore[attr-defined]


def evaluate(api: Api, rule: str, samples: int = 160, precision: float = 0.97) -> None:
    """Records an evaluation of the rule against the spam policy as now published (docket eval's job)."""
    ledger = runtime_of(api).ledger
    version = ledger.get_policy("trust_safety", "spam").policy_version
    figures = EvaluationFigures(version, samples, precision, 0.9, 0.93, 0.88, ((80, 2), (8, 70)), 0, 0.01, 200.0,
                                240.0, "test golden set")
    items = tuple(ItemVerdict(f"i{n}", True, True, 0.9, "") for n in range(samples))
    ledger.record_evaluation(UUID(rule), figures, items, "cli:eval")


def promote(api: Api, rule: str) -> None:
    """Evaluates the rule and sets it AUTO on the ledger with shadow agreement measured elsewhere, for tests of what
    an AUTO rule does (tests/api/automation/test_launch_evidence.py measures it through the read model)."""
    evaluate(api, rule)
    ledger = runtime_of(api).ledger
    version = ledger.get_policy("trust_safety", "spam").policy_version
    agreement = AgreementFigures(version, 150, 0.97, 0.9, 0.85, ((70, 2), (8, 70)), ledger.head())
    ledger.set_automation_mode(UUID(rule), AutomationMode.AUTO, "Measured elsewhere.", "lead:ann", [agreement])

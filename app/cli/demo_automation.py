"""The demo's automation story, offline: a spam rule against the bundled test model server on 127.0.0.1 watched in
SHADOW beside human decisions, evaluated on the golden set, promoted to AUTO through setAutomationMode's own command,
deciding alone with a share of its decisions sampled for blind human QA; then the server is made to flip its verdicts,
QA reviewers disagree, and the circuit breaker demotes the rule to SHADOW on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from uuid import UUID

from app.automation.evaluation import GOLDEN_SET, GoldenItem, evaluate, read_golden_set
from app.automation.models import CallSettings, Models
from app.automation.running import AutoActions, RuleOutcome
from app.automation.test_server import Behaviour, RunningServer
from app.read.store import read
from app.runtime.wiring import Runtime
from app.write.ledger import Ledger
from domain.automation import AgreementFigures, AutomationMode, AutomationRule, LaunchCriteria, ModelRoute, RuleSettings
from domain.breaker import sampled_for_qa
from domain.case import Verdict
from domain.errors import ConflictError
from domain.values import Action, ActionType, Outcome, Subject
from projections.shadow_agreement.queries import agreements

DOMAIN, POLICY = "trust_safety", "spam"
MODEL = "openai/docket-moderator"
KEY_ENV = "DOCKET_DEMO_MODEL_KEY"
"""The rule names this variable for its key; the test server takes any key, the demo hands it one."""
QA_RATE = 0.5
"""A higher share than production's 2%, so that the breaker has judgments to measure within the demo."""
POLICY_TEAM, SERVICE, QA_REVIEWER = "policy:demo-lead", "pipeline:demo", "reviewer:demo-qa"


def run_automation_story(runtime: Runtime) -> str:
    """Tells the story once; on a ledger that holds the demo's rule already, says so and records nothing."""
    if runtime.ledger.work.find(AutomationRule, AutomationRule.create_id(DOMAIN, POLICY, MODEL)) is not None:
        return "The automation story was loaded before: its rule is there (automationRules)."
    with RunningServer() as server:
        return "\n".join(asyncio.run(_story(runtime, server)))


def _agreement(runtime: Runtime, rule_id: UUID) -> list[AgreementFigures]:
    """The rule's shadow agreement as setAutomationMode measures it: the read models brought up to the ledger's head
    first (the demo projects in this process)."""
    runtime.projector.catch_up()
    return read(runtime.store, agreements, [str(rule_id)]).get(str(rule_id), [])


async def _story(runtime: Runtime, server: RunningServer) -> list[str]:
    ledger = runtime.ledger
    models = Models(CallSettings(timeout=60, retries=2), env={KEY_ENV: "sk-local-demo"})
    running = AutoActions(ledger, models)
    items = [i for i in read_golden_set(GOLDEN_SET).items if i.policy == POLICY]
    settings = RuleSettings(
        route=ModelRoute(MODEL, api_base=server.url, api_key_env=KEY_ENV), threshold=0.8,
        allowed_actions=(ActionType.REMOVE,), launch_criteria=LaunchCriteria(min_samples=len(items)),
        qa_sample_rate=QA_RATE, precision_floor=0.9,
    )
    rule = ledger.configure_automation(DOMAIN, POLICY, settings, POLICY_TEAM).rule
    lines = [(f"Automation: rule {rule.id} ({MODEL} on {DOMAIN}/{POLICY}) against the test model server at "
              f"{server.url}.")]
    ledger.set_automation_mode(rule.id, AutomationMode.SHADOW, "Watch it beside the reviewers first.", POLICY_TEAM)
    shadow = await _run(running, items, "shadow")
    for item in items:
        _human(ledger, _subject("shadow", item), item.label, "reviewer:demo-ann")
    agreed = sum(_violation(o) == item.label for item, o in zip(items, shadow, strict=True))
    lines.append(f"  SHADOW: {len(items)} verdicts recorded, nothing else changed; reviewers deciding the same cases "
                 f"agreed with {agreed} of them.")
    policy = ledger.get_policy(DOMAIN, POLICY)
    evaluated = await evaluate(models, ledger.automation.get_rule(rule.id), policy, read_golden_set(GOLDEN_SET))
    f = ledger.record_evaluation(rule.id, evaluated.figures, evaluated.items, "cli:eval").rule.evaluation
    assert f is not None
    c = settings.launch_criteria
    lines.append(f"  docket eval: {f.samples} golden items ({f.failed} failed), precision {f.precision:.3f}, "
                 f"recall {f.recall:.3f}, "
                 f"kappa {f.kappa:.3f} (launch criteria: {c.min_samples} samples, precision {c.min_precision:g}, "
                 f"recall {c.min_recall:g}, kappa {c.min_kappa:g}).")
    try:
        ledger.set_automation_mode(rule.id, AutomationMode.AUTO, "Evidence meets the launch criteria.", POLICY_TEAM,
                                   _agreement(runtime, rule.id))
    except ConflictError as refused:
        return [*lines, f"  setAutomationMode(AUTO) refused: {refused.message}"]
    lines.append("  setAutomationMode(AUTO): accepted on that evidence.")
    lines += await _auto_phase(ledger, running, rule, [i for i in items if i.label], "auto", "honest verdicts")
    server.state.models[MODEL.split("/", 1)[1]] = Behaviour(flip_rate=1.0)
    lines += await _auto_phase(ledger, running, rule, [i for i in items if not i.label], "flip",
                               "mistakes injected (the server flips every verdict)")
    rule = ledger.automation.get_rule(rule.id)
    lines.append(f"  Now {rule.mode}: {rule.mode_reason}. Try: automationRules {{ mode quality {{ breaker "
                 "rollingPrecision tripFigures } }.")
    return lines


async def _auto_phase(
    ledger: Ledger, running: AutoActions, rule: AutomationRule, items: list[GoldenItem], tag: str, what: str
) -> list[str]:
    """Runs the items in AUTO, then QA reviewers decide the sampled decisions by the items' labels."""
    outcomes = await _run(running, items, tag)
    decided = [(i, o.decision_id) for i, o in zip(items, outcomes, strict=True) if o.decision_id is not None]
    sampled = [i for i, decision_id in decided if sampled_for_qa(decision_id, QA_RATE)]
    for item in sampled:
        _human(ledger, _subject(tag, item), item.label, QA_REVIEWER)
    mode = ledger.automation.get_rule(rule.id).mode
    disagreed = sum(not item.label for item in sampled)
    line = (f"  AUTO, {what}: {len(decided)} of {len(items)} decided alone (fully automated, with strikes), "
            f"{len(sampled)} sampled for blind QA, QA disagreed with {disagreed}; the rule is {mode}.")
    return [line]


async def _run(running: AutoActions, items: Iterable[GoldenItem], tag: str) -> list[RuleOutcome]:
    """One item after another: at once, AUTO decisions would contend for the rule's daily tally, and those that
    lose every retry go to a human, so the story would differ from run to run."""
    outcomes = []
    for item in items:
        [outcome] = await running.run(_subject(tag, item), f"demo-{tag}-{item.id}", POLICY, item.content, SERVICE)
        outcomes.append(outcome)
    return outcomes


def _human(ledger: Ledger, subject: Subject, violating: bool, reviewer: str) -> None:
    actions = (Action(ActionType.REMOVE),) if violating else ()
    verdict = Verdict(Outcome.VIOLATING if violating else Outcome.NOT_VIOLATING, actions, "Reviewed by a person.",
                      idempotency_key=f"demo-review-{subject.id}")
    ledger.decide(subject, POLICY, verdict, [], f"demo-{subject.id}", reviewer)


def _subject(tag: str, item: GoldenItem) -> Subject:
    return Subject(DOMAIN, "pin", f"{tag}-{item.id}")


def _violation(outcome: RuleOutcome) -> bool:
    verdict = outcome.detection.facts.evidence["automation"].get("verdict")
    return verdict is not None and bool(verdict["violation"])

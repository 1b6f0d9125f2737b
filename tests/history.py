"""A varied ledger history written through the ledger's own commands, for tests of whole read models.

Detections in batches across every starter policy, decisions on some of their subjects (some
re-decided, some NOT_VIOLATING), systems confirming their actions applied and undone, strikes and
penalties, appeals upheld and overturned, and a policy revision: every kind of event the read models handle.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from app.write.catalog import load_catalog
from app.write.ledger import Ledger
from app.write.submissions import Answer, Carried, Submissions
from app.write.submissions import Outcome as Answered
from domain.appeal import AppealOutcome
from domain.automation import (
    AgreementFigures,
    AutomationMode,
    EvaluationFigures,
    ItemVerdict,
    LaunchCriteria,
    ModelRoute,
    RuleSettings,
)
from domain.batch import BatchSubject
from domain.case import Case, Verdict
from domain.claims import ReleaseReason
from domain.confirmation import Confirmation
from domain.detection import DetectionFacts
from domain.errors import DocketError
from domain.report import Notice, ReporterKind
from domain.routing import RoutingRule
from domain.values import (
    Action,
    ActionType,
    AutomationLevel,
    Content,
    ContentType,
    DetectionSource,
    Outcome,
    Severity,
    Subject,
)
from domain.webhook import Webhook, WebhookFilter

KINDS = {"trust_safety": "pin", "ads": "ad", "shopping": "listing"}


def write_history(
    ledger: Ledger,
    detections: int,
    seed: int = 3,
    batch: int = 50,
    run: str = "h",
    subjects: int = 400,
    accounts: int = 40,
    stop: Callable[[], bool] = lambda: False,
) -> int:
    """Writes about `detections` detections and the rest; returns the head position."""
    rng = random.Random(seed)
    policies = [(domain, key) for domain, key, _ in load_catalog()]
    start = ledger.clock()
    written = 0
    round_ = 0
    while written < detections and not stop():
        batch_facts = [
            _facts(rng, policies, start, f"{run}-{round_}-{i}", subjects, accounts)
            for i in range(min(batch, detections - written))
        ]
        recorded = ledger.record_detections(batch_facts, f"pipeline:{run}")
        written += len(batch_facts)
        for result in recorded[: max(1, len(recorded) // 5)]:
            _decide(rng, ledger, result.detection.facts, result.detection.id, f"{run}-{round_}")
        if round_ == 2:
            domain, key = policies[0]
            terms = ledger.get_policy(domain, key).terms
            severity = Severity.HIGH if terms.severity is not Severity.HIGH else Severity.MEDIUM
            ledger.publish_policy(domain, key, replace(terms, severity=severity, strike_points=2), "policy:carol")
        round_ += 1
    return ledger.head()


def _facts(
    rng: random.Random, policies: list[tuple[str, str]], start: datetime, external_id: str, subjects: int,
    accounts: int,
) -> DetectionFacts:
    domain, key = policies[rng.randrange(len(policies))]
    kind = KINDS.get(domain, "item")
    source = rng.choice([DetectionSource.CLASSIFIER, DetectionSource.USER_REPORT, DetectionSource.LLM])
    return DetectionFacts(
        subject=Subject(domain, kind, f"{kind}-{rng.randrange(subjects)}"),
        account_id=None if rng.random() < 0.1 else f"acct-{rng.randrange(accounts)}",
        policy_key=key,
        source=source,
        external_id=external_id,
        confidence=round(rng.uniform(0.5, 1.0), 3),
        model=None if source is DetectionSource.USER_REPORT else "clf-v1",
        content_type=ContentType.IMAGE,
        content=None if rng.random() < 0.3
        else Content(f"https://example.com/{kind}", f"sha256:{rng.getrandbits(64):x}", "1"),
        evidence={"score": round(rng.random(), 3)},
        detected_at=start - timedelta(minutes=rng.randrange(600)),
    )


def _decide(rng: random.Random, ledger: Ledger, facts: DetectionFacts, detection_id: object, key: str) -> None:
    policy = ledger.get_policy(facts.subject.domain, facts.policy_key)
    violating = rng.random() < 0.75
    verdict = Verdict(
        outcome=Outcome.VIOLATING if violating else Outcome.NOT_VIOLATING,
        actions=(Action(policy.terms.allowed_actions[0]),) if violating else (),
        rationale="Breaks the policy." if violating else "Allowed.",
        idempotency_key=f"{key}-{detection_id}",
    )
    made = ledger.decide(facts.subject, facts.policy_key, verdict, [detection_id], None,  # type: ignore[list-item]
                         f"reviewer:{rng.randrange(5)}")
    if made.created:
        _confirm_some(rng, ledger, made.case, made.decision.decision_id)
    if violating and made.created and rng.random() < 0.2:
        filed = ledger.file_appeal(made.case_id, made.decision.decision_id, "Please look again.", None, "user:x")
        if rng.random() < 0.7:
            outcome = AppealOutcome.OVERTURN if rng.random() < 0.5 else AppealOutcome.UPHOLD
            ledger.resolve_appeal(filed.appeal.id, outcome, "Second look.", "reviewer:appeals")


def write_review_history(ledger: Ledger, detections: int, seed: int = 5) -> int:
    """`write_history`, then the review work on it: queues and routing, reports from every kind of reporter,
    claims renewed, released, skipped and escalated, notes, priorities, a warned and a suspended reporter, a bulk
    decision and its reversal, a reversed decision and a retired policy. Returns the head position."""
    rng = random.Random(seed)
    write_history(ledger, detections, seed=seed)
    ledger.create_queue("general", "trust_safety", "Everything else.", "lead:ann")
    ledger.create_queue("urgent", "trust_safety", "Severe work first.", "lead:ann")
    ledger.create_queue("ads_team", "ads", "Ads reviewers.", "lead:ann")
    ledger.set_routing(
        [RoutingRule("urgent", severities=("HIGH", "CRITICAL")), RoutingRule("ads_team", domains=("ads",))],
        "general", "lead:ann",
    )
    policies = [(domain, key) for domain, key, _ in load_catalog()]
    kinds = list(ReporterKind)
    subjects = []
    for i in range(detections // 4):
        domain, key = policies[rng.randrange(len(policies))]
        kind = KINDS.get(domain, "item")
        subject = Subject(domain, kind, f"{kind}-{rng.randrange(400)}")
        notice = Notice(subject, f"acct-{rng.randrange(40)}", f"reporter-{rng.randrange(6)}", rng.choice(kinds), key,
                        "This breaks the rules.")
        ledger.submit_report(notice, f"report-{seed}-{i}", "user:reporter")
        subjects.append((subject, key))
    ledger.update_queue("ads_team", "ads", "Ads and shopping reviewers.", "lead:ann")
    for i, (subject, key) in enumerate(subjects[: len(subjects) // 2]):
        _review(ledger, rng, subject, key, i)
    ledger.warn_reporter("reporter-1", "Unfounded notices.", "lead:ann")
    ledger.suspend_reporter("reporter-1", "Still unfounded.", ledger.clock() + timedelta(days=30), "lead:ann")
    _bulk_and_reverse(ledger, rng)
    _webhooks(ledger)
    _automate(ledger, rng)
    _submissions(ledger)
    return ledger.head()


def _webhooks(ledger: Ledger) -> None:
    """Two webhooks set up, one rotated, disabled and enabled again, the other disabled (their secrets kept
    elsewhere)."""
    made = [
        Webhook.create(f"https://8.8.8.{i}/hook", WebhookFilter(domains, types), f"Team {i}", f"sha256:{i:016x}",
                       f"hook-{i}", "admin:ops", ledger.clock())
        for i, domains, types in ((1, ("trust_safety",), ("Case.Decided",)), (2, (), ()))
    ]
    ledger.save(*made)
    first, second = made
    first.rotate_secret("sha256:" + "f" * 16, timedelta(hours=1), "ops-rotation-1", "admin:ops", ledger.clock())
    first.disable("Maintenance.", "admin:ops", ledger.clock())
    second.disable("Gone.", "service:docket-deliver", ledger.clock())
    ledger.save(first, second)
    first.enable("admin:ops", ledger.clock())
    ledger.save(first)


def _submissions(ledger: Ledger) -> None:
    """Three statements sent to the DSA database: one stored, one refused, one not stored, sent again and found."""
    submissions, actor = Submissions(ledger.work), "service:docket-submit-sor"
    first, second = UUID(int=1), UUID(int=2)
    sent = [Carried(f"docket-{UUID(int=100 + n)}", UUID(int=100 + n), "trust_safety") for n in range(3)]
    submissions.send(sent, first, actor)
    submissions.record([Answered(sent[0].puid, Answer.ACCEPTED, first, "db-1"),
                        Answered(sent[1].puid, Answer.REJECTED, first, reason="decision_facts: too vague"),
                        Answered(sent[2].puid, Answer.FAILED, first, reason="HTTP 500")], actor)
    submissions.send(sent[2:], second, actor)
    submissions.record([Answered(sent[2].puid, Answer.FOUND_STORED)], actor)


def _review(ledger: Ledger, rng: random.Random, subject: Subject, key: str, i: int) -> None:
    """One piece of review work on a reported case; what the domain refuses (a case decided meanwhile, claimed
    already) is left out, as a reviewer's refused command writes nothing."""
    reviewer = f"reviewer:{i % 3}"
    try:
        ledger.claim_case(subject, None, "general", key, timedelta(minutes=10), reviewer)
        step = i % 6
        if step == 0:
            ledger.renew_claim(subject, timedelta(minutes=20), reviewer)
            ledger.release_claim(subject, ReleaseReason.RELEASED, reviewer)
        elif step == 1:
            ledger.release_claim(subject, ReleaseReason.SKIPPED, reviewer)
        elif step == 2:
            ledger.escalate_case(subject, key, "urgent", "Needs a lead.", reviewer)
        elif step == 3:
            ledger.add_case_note(subject, key, "Looked at the history.", reviewer)
            ledger.prioritize_case(subject, key, rng.randrange(1, 5), "Trending.", reviewer)
        elif step == 4:
            _decide_reported(ledger, subject, key, reviewer, f"review-{i}")
    except DocketError:
        pass


def _decide_reported(ledger: Ledger, subject: Subject, key: str, reviewer: str, idempotency_key: str) -> None:
    policy = ledger.get_policy(subject.domain, key)
    verdict = Verdict(Outcome.VIOLATING, (Action(policy.terms.allowed_actions[0]),), "Reported and confirmed.",
                      idempotency_key=idempotency_key)
    made = ledger.decide(subject, key, verdict, [], None, reviewer)
    if made.created:
        _confirm_some(random.Random(idempotency_key), ledger, made.case, made.decision.decision_id)
        reversed_ = ledger.reverse_decision(made.case_id, made.decision.decision_id, "Decided in error.", "lead:ann")
        _confirm_some(random.Random(idempotency_key), ledger, reversed_.case, made.decision.decision_id, reversal=True)


def _confirm_some(rng: random.Random, ledger: Ledger, case: Case, decision_id: UUID, reversal: bool = False) -> None:
    """Has about half the systems a decision awaits confirm its actions (or their undoing), one of them twice."""
    for _, action, system in [k for k in case.obligations if k[0] == decision_id]:
        if rng.random() < 0.5:
            confirmation = Confirmation(decision_id, action, system, ledger.clock(), f"{system}-job", reversal)
            for _ in range(1 + (rng.random() < 0.2)):
                ledger.confirm_action(case.id, confirmation, f"service:{system}")


def _bulk_and_reverse(ledger: Ledger, rng: random.Random) -> None:
    domain, key = next((d, k) for d, k, _ in load_catalog() if d == "ads")
    policy = ledger.get_policy(domain, key)
    verdict = Verdict(Outcome.VIOLATING, (Action(policy.terms.allowed_actions[0]),), "A spam wave.")
    wave = [BatchSubject(Subject(domain, "ad", f"wave-{rng.randrange(10**6)}-{n}"), f"acct-{n % 7}") for n in range(12)]
    run = ledger.bulk_decide(key, verdict, wave, "wave-1", "lead:ann")
    ledger.reverse_batch(run.batch.id, "The wave was a false alarm.", "lead:ann")


def _automate(ledger: Ledger, rng: random.Random) -> None:
    """An automation rule's life: configured, shadowed, evaluated, promoted to AUTO, its verdicts (some deciding
    alone, one failed), a protected account, a new policy version that demotes it, and new settings."""
    route = ModelRoute("openai/mod-history", api_base="http://127.0.0.1:9/v1", api_key_env="HISTORY_KEY")
    settings = RuleSettings(route, 0.9, (ActionType.REMOVE,), LaunchCriteria(min_samples=2))
    rule = ledger.configure_automation("trust_safety", "spam", settings, "lead:ann").rule
    ledger.set_automation_mode(rule.id, AutomationMode.SHADOW, "Measure first.", "lead:ann")
    version = ledger.get_policy("trust_safety", "spam").policy_version
    figures = EvaluationFigures(version, 2, 1.0, 1.0, 1.0, 1.0, ((1, 0), (0, 1)), 0, 0.002, 210.0, 250.0, "history")
    items = (ItemVerdict("a", True, True, 0.97, ""), ItemVerdict("b", False, False, 0.93, ""))
    ledger.record_evaluation(rule.id, figures, items, "cli:eval")
    agreement = AgreementFigures(version, 2, 1.0, 1.0, 1.0, ((1, 0), (0, 1)), ledger.head())
    ledger.set_automation_mode(rule.id, AutomationMode.AUTO, "Golden set passed.", "lead:ann", [agreement])
    ledger.protect_account("acct-1", "Partner account.", "lead:ann")
    for n in range(6):
        subject = Subject("trust_safety", "pin", f"auto-{rng.randrange(10**6)}-{n}")
        failed = n == 5
        outcome = "DECIDED" if n < 3 else "QUEUED"
        record: dict[str, object] = {"rule": str(rule.id), "mode": "AUTO", "model": route.model, "outcome": outcome,
                                     "policy_version": version}
        if n == 4:
            record["capped"] = "perAccountPerHour"
        record |= {"failed": "invalid JSON"} if failed else {
            "verdict": {"violation": 1, "policy_category": "spam", "rule_ids": ["SP1"], "confidence": 0.95,
                        "rationale": "A link farm."}}
        facts = DetectionFacts(
            subject, f"acct-{n}", "spam", DetectionSource.LLM, f"auto-{subject.id}", 0.0 if failed else 0.95,
            route.model, ContentType.TEXT, None, {"automation": record}, ledger.clock(),
        )
        detection = ledger.record_detection(facts, "pipeline:auto").detection
        if n < 3:
            verdict = Verdict(Outcome.VIOLATING, (Action(ActionType.REMOVE),), "Automated: a link farm.",
                              automation=AutomationLevel.FULLY, idempotency_key=facts.external_id)
            ledger.decide(subject, "spam", verdict, [detection.id], f"acct-{n}", f"automation:{rule.id}")
        elif not failed:
            human = Verdict(Outcome.VIOLATING, (Action(ActionType.REMOVE),), "A reviewer agreed.") if n == 3 \
                else Verdict(Outcome.NOT_VIOLATING, (), "A reviewer disagreed.")
            ledger.decide(subject, "spam", human, [detection.id], f"acct-{n}", "reviewer:bo")
    ledger.unprotect_account("acct-1", "Partnership ended.", "lead:ann")
    policy = ledger.get_policy("trust_safety", "spam")
    ledger.publish_policy("trust_safety", "spam", replace(policy.terms, text=policy.terms.text + " Revised."), "p:c")
    ledger.configure_automation("trust_safety", "spam", replace(settings, threshold=0.95), "lead:ann")

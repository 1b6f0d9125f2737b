"""A realistic scenario across trust_safety, ads and shopping, loaded through the ledger's own commands.

Loading it twice changes nothing: detections are keyed by source and external id, decisions by
idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.ledger import Ledger
from domain.case import Verdict
from domain.detection import DetectionFacts
from domain.values import Action, Content, Subject


@dataclass(frozen=True)
class Signal:
    domain: str
    kind: str
    subject_id: str
    account_id: str
    policy: str
    source: str
    confidence: float
    model: str | None
    content_type: str


@dataclass(frozen=True)
class Ruling:
    signal: int
    outcome: str
    actions: tuple[Action, ...]
    rationale: str
    reviewer: str


SIGNALS = (
    Signal("trust_safety", "pin", "pin-1001", "user-ana", "spam", "CLASSIFIER", 0.97, "spam-clf-v7", "IMAGE"),
    Signal("trust_safety", "pin", "pin-1002", "user-ana", "spam", "CLASSIFIER", 0.91, "spam-clf-v7", "IMAGE"),
    Signal("trust_safety", "comment", "cmt-2001", "user-ben", "harassment", "USER_REPORT", 1.0, None, "TEXT"),
    Signal("trust_safety", "comment", "cmt-2002", "user-ben", "harassment", "LLM", 0.88, "gpt-moderation-2", "TEXT"),
    Signal("trust_safety", "pin", "pin-1003", "user-cho", "self_harm", "VLM", 0.64, "vlm-safety-3", "IMAGE"),
    Signal("trust_safety", "pin", "pin-1004", "user-dev", "violent_extremism", "HASH_MATCH", 1.0, "gifct-hash", "VIDEO"),
    Signal("trust_safety", "board", "board-31", "user-eli", "spam", "TRUSTED_FLAGGER", 1.0, None, "OTHER"),
    Signal("ads", "ad", "ad-501", "adv-fastloans", "financial_scams", "CLASSIFIER", 0.95, "ads-risk-v4", "IMAGE"),
    Signal("ads", "ad", "ad-502", "adv-fastloans", "misleading_claims", "LLM", 0.82, "gpt-ads-review", "TEXT"),
    Signal("ads", "ad", "ad-503", "adv-glowskin", "misleading_claims", "CLASSIFIER", 0.58, "ads-risk-v4", "IMAGE"),
    Signal("shopping", "listing", "lst-7001", "mer-luxdeals", "counterfeit", "HASH_MATCH", 0.99, "logo-match-2", "PRODUCT"),
    Signal("shopping", "listing", "lst-7002", "mer-luxdeals", "counterfeit", "USER_REPORT", 1.0, None, "PRODUCT"),
    Signal("shopping", "listing", "lst-7003", "mer-toyland", "unsafe_products", "AUTHORITY_ORDER", 1.0, None, "PRODUCT"),
    Signal("shopping", "listing", "lst-7004", "mer-toyland", "misleading_listing", "CLASSIFIER", 0.71, "listing-qa-1", "PRODUCT"),
)

RULINGS = (
    Ruling(0, "VIOLATING", (Action("REMOVE"),), "Link-farm pin posted 40 times in an hour.", "reviewer:maria"),
    Ruling(1, "VIOLATING", (Action("DEMOTE"),), "Same link farm, second pin.", "reviewer:maria"),
    Ruling(2, "VIOLATING", (Action("REMOVE", ("DE", "FR")),), "Targeted insults at a named person.", "reviewer:tom"),
    Ruling(4, "NOT_VIOLATING", (), "Recovery story with helpline resources; allowed.", "reviewer:tom"),
    Ruling(5, "VIOLATING", (Action("REMOVE"), Action("TERMINATE_ACCOUNT")), "Known propaganda video (hash match).",
           "reviewer:ines"),
    Ruling(7, "VIOLATING", (Action("REJECT_AD"),), "Guaranteed-return loan scam impersonating a bank.", "reviewer:li"),
    Ruling(8, "VIOLATING", (Action("REJECT_AD"),), "Claims approval 'for everyone, no checks'.", "reviewer:li"),
    Ruling(9, "NOT_VIOLATING", (), "Cosmetic claim is substantiated by the advertiser's test report.", "reviewer:li"),
    Ruling(10, "VIOLATING", (Action("DELIST_PRODUCT", ("DE", "IT", "ES")),), "Counterfeit logo on handbag.",
           "reviewer:omar"),
    Ruling(12, "VIOLATING", (Action("DELIST_PRODUCT"),), "Recalled toy; authority order 2026/114.", "reviewer:omar"),
)


def load_demo(ledger: Ledger) -> str:
    """Records the scenario's detections and decisions; returns a one-paragraph summary."""
    now = ledger.clock()
    recorded = []
    for index, s in enumerate(SIGNALS):
        subject = Subject(s.domain, s.kind, s.subject_id)
        facts = DetectionFacts(
            subject=subject, account_id=s.account_id, policy_key=s.policy, source=s.source,
            external_id=f"demo-{index:03d}", confidence=s.confidence, model=s.model, content_type=s.content_type,
            content=Content(uri=f"https://example.com/{s.kind}/{s.subject_id}", hash=f"sha256:demo{index:03d}",
                            version="1"),
            evidence={"demo": True, "score": s.confidence}, detected_at=now - timedelta(hours=len(SIGNALS) - index),
        )
        recorded.append(ledger.record_detection(facts, actor=f"pipeline:{s.source.lower()}"))
    strikes = 0
    for ruling in RULINGS:
        s = SIGNALS[ruling.signal]
        verdict = Verdict(outcome=ruling.outcome, actions=ruling.actions, rationale=ruling.rationale,
                          idempotency_key=f"demo-ruling-{ruling.signal:03d}")
        made = ledger.decide(Subject(s.domain, s.kind, s.subject_id), s.policy, verdict,
                             [recorded[ruling.signal].detection.id], s.account_id, ruling.reviewer)
        strikes += made.strike is not None
    return (
        f"Loaded the demo: {len(SIGNALS)} detections from {len({s.source for s in SIGNALS})} sources and "
        f"{len(RULINGS)} decisions ({strikes} with strikes) across trust_safety, ads and shopping. "
        f"Try: account(id: \"adv-fastloans\") or case(subject: {{domain: \"shopping\", kind: \"listing\", id: \"lst-7001\"}})."
    )

"""Rows of the case status read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.case import Case
from domain.detection import Detection
from domain.values import Action, Content, Subject
from projections.values import maybe_utc, text_id, utc


@dataclass(frozen=True)
class DetectionRow:
    detection_id: str
    policy_key: str
    policy_version: int
    source: str
    external_id: str
    confidence: float
    model: str | None
    content_type: str
    content: Content | None
    automated: bool
    detected_at: datetime
    recorded_at: datetime
    recorded_by: str
    position: int
    evidence: dict[str, Any] | None
    """What the detector saw, as it sent it; None in rows projected before migration 0022 until a rebuild."""


def detection_row(detection: Detection, position: int) -> DetectionRow:
    """A detection's row, as the ledger's detection holds it; `position` the ledger position of its recording, or of
    the write a command answers with."""
    f = detection.facts
    return DetectionRow(
        detection_id=str(detection.id), policy_key=f.policy_key, policy_version=detection.policy_version,
        source=str(f.source), external_id=f.external_id, confidence=f.confidence, model=f.model,
        content_type=str(f.content_type), content=f.content, automated=f.source.automated,
        detected_at=utc(f.detected_at), recorded_at=utc(detection.recorded_at), recorded_by=detection.recorded_by,
        position=position, evidence=f.evidence,
    )


@dataclass(frozen=True)
class DecisionRow:
    decision_id: str
    case_id: str
    subject: Subject
    account_id: str | None
    policy_key: str
    policy_version: int
    outcome: str
    actions: tuple[Action, ...]
    detection_ids: tuple[str, ...]
    content: Content | None
    rationale: str
    automation: str
    dsa_category: str
    dsa_ground: str
    live: bool
    superseded_by: str | None
    strike_id: str | None
    decided_at: datetime
    decided_by: str
    position: int
    reversed_at: datetime | None = None
    reversal_reason: str | None = None
    batch_id: str | None = None
    supersedes: str | None = None
    """The decision this one superseded: the live one under its policy when it was made."""


def decision_row(case: Case, decision_id: UUID, strike_id: UUID | None, position: int) -> DecisionRow:
    """A decision's row, as the case that made it holds it now; `strike_id` the strike it counts, `position` the
    ledger position of its making, or of the write a command answers with."""
    d = case.decisions[decision_id]
    decided_by, decided_at = case.decided[decision_id]
    successor = next((s.decision_id for s in case.decisions.values() if s.supersedes == decision_id), None)
    return DecisionRow(
        decision_id=str(decision_id), case_id=str(case.id), subject=case.subject,
        account_id=case.decision_accounts[decision_id], policy_key=d.policy_key, policy_version=d.policy_version,
        outcome=str(d.outcome), actions=d.actions, detection_ids=tuple(str(i) for i in d.detection_ids),
        content=d.content, rationale=d.rationale, automation=str(d.automation), dsa_category=d.dsa_category,
        dsa_ground=str(d.dsa_ground), live=case.live.get(d.policy_key) == decision_id, superseded_by=text_id(successor),
        strike_id=text_id(strike_id), decided_at=utc(decided_at), decided_by=decided_by, position=position,
        reversed_at=maybe_utc(case.reversed.get(decision_id)), reversal_reason=case.reversal_reasons.get(decision_id),
        batch_id=text_id(d.batch_id), supersedes=text_id(d.supersedes),
    )


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    subject: Subject
    account_id: str | None
    status: str
    opened_at: datetime
    updated_at: datetime
    last_position: int
    opened_position: int = 0
    """The ledger position of the event that opened the case."""


@dataclass(frozen=True)
class CaseRecords:
    """A case with the records read with it: None for a kind not read."""

    case: CaseRow
    detections: list[DetectionRow] | None
    decisions: list[DecisionRow] | None

"""Rows of the case status read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.values import Action, Content, Subject


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

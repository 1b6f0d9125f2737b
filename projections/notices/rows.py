"""Rows of the notices read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class NoticeStatus(StrEnum):
    ISSUED = "ISSUED"
    """Waiting for the notification service to say it delivered the notice."""
    DELIVERED = "DELIVERED"


@dataclass(frozen=True)
class NoticeRow:
    notice_id: str
    kind: str
    recipient_kind: str
    recipient_id: str
    domain: str
    subject_kind: str
    subject_id: str
    decision_id: str
    report_id: str | None
    policy_key: str
    policy_version: int
    outcome: str
    automation: str
    territories: tuple[str, ...]
    """Where the decision applies; empty: everywhere."""
    appeal_deadline: datetime | None
    language: str
    text: str
    issued_at: datetime
    status: NoticeStatus
    channel: str | None
    delivered_at: datetime | None
    position: int
    """The ledger position of the notice's issue."""

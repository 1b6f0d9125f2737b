"""Rows of the notices read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.notice import Notice


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


def notice_row(notice: Notice, position: int) -> NoticeRow:
    """The row of a notice as the aggregate holds it, issued at `position`."""
    return NoticeRow(
        notice_id=str(notice.id), kind=str(notice.kind), recipient_kind=str(notice.recipient_kind),
        recipient_id=notice.recipient_id, domain=notice.subject.domain, subject_kind=notice.subject.kind,
        subject_id=notice.subject.id, decision_id=str(notice.decision_id),
        report_id=None if notice.report_id is None else str(notice.report_id), policy_key=notice.policy_key,
        policy_version=notice.policy_version, outcome=str(notice.outcome), automation=str(notice.automation),
        territories=notice.territories, appeal_deadline=notice.appeal_deadline, language=notice.language,
        text=notice.text, issued_at=notice.issued_at,
        status=NoticeStatus.DELIVERED if notice.delivered else NoticeStatus.ISSUED, channel=notice.channel,
        delivered_at=notice.delivered_at, position=position,
    )

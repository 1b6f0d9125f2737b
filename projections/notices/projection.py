"""Keeps every notice as issued, and its delivery as the notification service confirms it."""

from __future__ import annotations

import json

from domain.notice import Notice
from projections.base import Projection
from projections.batch import Batch, Table, write_all
from projections.notices.rows import NoticeStatus
from projections.sql import Sql

NOTICES = Table(
    "notices",
    key=("notice_id",),
    columns=("notice_id", "kind", "recipient_kind", "recipient_id", "domain", "subject_kind", "subject_id",
             "decision_id", "report_id", "policy_key", "policy_version", "outcome", "automation", "territories",
             "appeal_deadline", "language", "text", "issued_at", "status", "channel", "delivered_at", "position"),
    times=("appeal_deadline", "issued_at", "delivered_at"),
)


class NoticesProjection(Projection):
    name = "notices"
    weight = 2
    tables = ("notices",)
    event_types = (Notice.Issued, Notice.Delivered)

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        notices = NOTICES.rows()
        notices.fetch(sql, [(str(e.originator_id),) for _, e in events if isinstance(e, Notice.Delivered)])
        for position, event in events:
            notice_id = str(event.originator_id)
            if isinstance(event, Notice.Issued):
                notices.add({
                    "notice_id": notice_id, "kind": str(event.kind), "recipient_kind": str(event.recipient_kind),
                    "recipient_id": event.recipient_id, "domain": event.subject.domain,
                    "subject_kind": event.subject.kind, "subject_id": event.subject.id,
                    "decision_id": str(event.decision_id),
                    "report_id": None if event.report_id is None else str(event.report_id),
                    "policy_key": event.policy_key, "policy_version": event.policy_version,
                    "outcome": str(event.outcome), "automation": str(event.automation),
                    "territories": json.dumps(list(event.territories)), "appeal_deadline": event.appeal_deadline,
                    "language": event.language, "text": event.text, "issued_at": event.occurred_at,
                    "status": NoticeStatus.ISSUED, "channel": None, "delivered_at": None, "position": position,
                })
            elif isinstance(event, Notice.Delivered):
                notices.update((notice_id,), status=NoticeStatus.DELIVERED, channel=event.channel,
                               delivered_at=event.delivered_at)
        write_all(sql, notices)

"""Keeps every notice as issued, and its delivery as the notification service confirms it."""

from __future__ import annotations

import json
from dataclasses import asdict

from domain.notice import Notice
from projections.base import Projection, started
from projections.batch import Batch, Table, write_all
from projections.notices.rows import NoticeStatus, notice_row
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
                row = asdict(notice_row(started(Notice, event), position))
                notices.add(row | {"territories": json.dumps(row["territories"])})
            elif isinstance(event, Notice.Delivered):
                notices.update((notice_id,), status=NoticeStatus.DELIVERED, channel=event.channel,
                               delivered_at=event.delivered_at)
        write_all(sql, notices)

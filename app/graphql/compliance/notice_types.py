"""The GraphQL types of notices to people."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.graphql.core.values import PageInfo
from domain.notice import RecipientKind
from domain.notice_wording import NoticeKind
from domain.values import AutomationLevel, Outcome
from projections.notices.rows import NoticeRow, NoticeStatus


@strawberry.input
class NoticeFilter:
    account_id: str | None = strawberry.field(default=None, description="Notices to this account (not to reporters).")
    decision_id: strawberry.ID | None = None
    status: NoticeStatus | None = strawberry.field(
        default=None, description="ISSUED: not yet confirmed delivered; DELIVERED: the notification service said so."
    )
    domain: str | None = None


@strawberry.type
class Notice:
    id: strawberry.ID = strawberry.field(description="Whom confirmNoticeDelivered names.")
    kind: NoticeKind = strawberry.field(
        description="DECISION: to the affected account; REPORT_OUTCOME: to a reporter, of their report's outcome."
    )
    recipient_kind: RecipientKind
    recipient_id: str
    domain: str
    subject_kind: str
    subject_id: str
    decision_id: strawberry.ID
    report_id: strawberry.ID | None
    policy: str
    policy_version: int
    outcome: Outcome
    automation: AutomationLevel = strawberry.field(description="How far automation decided, as in the statement.")
    territories: list[str] = strawberry.field(description="Where the decision applies; empty: everywhere.")
    appeal_deadline: datetime | None = strawberry.field(description="Until when the account can appeal.")
    language: str = strawberry.field(description="What the text is written in (ISO 639-1).")
    text: str
    issued_at: datetime
    status: NoticeStatus
    channel: str | None
    delivered_at: datetime | None
    position: str = strawberry.field(
        description="The ledger position of its issue; from confirmNoticeDelivered, the position that covers the write."
    )

    @classmethod
    def of_row(cls, row: NoticeRow) -> Notice:
        return cls(
            id=strawberry.ID(row.notice_id), kind=NoticeKind(row.kind),
            recipient_kind=RecipientKind(row.recipient_kind), recipient_id=row.recipient_id, domain=row.domain,
            subject_kind=row.subject_kind, subject_id=row.subject_id, decision_id=strawberry.ID(row.decision_id),
            report_id=None if row.report_id is None else strawberry.ID(row.report_id), policy=row.policy_key,
            policy_version=row.policy_version, outcome=Outcome(row.outcome),
            automation=AutomationLevel(row.automation), territories=list(row.territories),
            appeal_deadline=row.appeal_deadline, language=row.language, text=row.text, issued_at=row.issued_at,
            status=row.status, channel=row.channel, delivered_at=row.delivered_at,
            position=str(row.position),
        )


@strawberry.type
class NoticeEdge:
    cursor: str
    node: Notice


@strawberry.type
class NoticeConnection:
    edges: list[NoticeEdge]
    page_info: PageInfo

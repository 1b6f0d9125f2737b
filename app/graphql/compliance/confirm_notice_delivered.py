"""confirmNoticeDelivered: the notification service says it delivered a notice to its recipient."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from app.graphql.compliance.notice_types import Notice
from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError, as_failure, attempt, parse_id
from app.graphql.core.scope import hidden
from app.write.notices import NoticeDelivered
from domain.errors import DocketError, no_such_notice
from domain.notice import Notice as NoticeAggregate
from domain.notice import check_delivery
from projections.notices.rows import notice_row


@strawberry.input
class ConfirmNoticeDeliveredInput:
    notice_id: strawberry.ID
    channel: str = strawberry.field(description="How it reached the recipient, a lower-case name: `email`, `in_app`.")
    delivered_at: datetime = strawberry.field(description="When the notification service delivered it.")
    external_ref: str | None = strawberry.field(
        default=None, description="The service's own reference, e.g. a message id."
    )


ConfirmNoticeDeliveredResult = Annotated[
    Notice | ValidationError | NotFoundError | ConflictError, strawberry.union("ConfirmNoticeDeliveredResult")
]


@strawberry.type
class ConfirmNoticeDeliveredMutation:
    @strawberry.mutation(
        description="Records that a notice reached its recipient, once: a repeat answers the notice as it stands and "
        "records nothing."
    )
    async def confirm_notice_delivered(
        self, info: Info, input: ConfirmNoticeDeliveredInput
    ) -> ConfirmNoticeDeliveredResult:
        notice_id = parse_id(input.notice_id, "noticeId")
        if isinstance(notice_id, ValidationError):
            return notice_id
        try:
            check_delivery(input.channel, input.delivered_at, input.external_ref)  # before whether the notice exists
        except DocketError as error:
            return as_failure(error)
        ledger = info.context.runtime.ledger
        found = await attempt(ledger.get_notice, notice_id)
        if not isinstance(found, NoticeAggregate):
            return found
        if not info.context.principal.sees(found.subject.domain):
            return hidden(no_such_notice(notice_id))
        result = await attempt(ledger.confirm_notice_delivered, notice_id, input.channel, input.delivered_at,
                               input.external_ref, info.context.actor)
        if not isinstance(result, NoticeDelivered):
            return result
        return Notice.of_row(notice_row(result.notice, result.position))

"""submitReport: a notice from a user, a trusted flagger or an authority; it opens or joins the subject's case."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    attempt,
)
from app.graphql.core.inputs import ContentInput, SubjectInput
from app.graphql.core.scope import unseen_policies
from app.graphql.review.types import Report
from app.write.review import ReportSubmitted
from domain.report import Notice, ReporterKind
from projections.reports.rows import report_row


@strawberry.input(description="Who reports: their id, and whether a user, a trusted flagger or an authority.")
class ReporterInput:
    id: str
    kind: ReporterKind


@strawberry.input
class SubmitReportInput:
    subject: SubjectInput
    account_id: str | None = None
    reporter: ReporterInput
    policy: str
    text: str
    content: ContentInput | None = None
    idempotency_key: str = strawberry.field(
        description="Unique per reporter: a retry with the same key returns the original report."
    )


SubmitReportResult = Annotated[
    Report | ValidationError | NotFoundError | ConflictError, strawberry.union("SubmitReportResult")
]


@strawberry.type
class SubmitReportMutation:
    @strawberry.mutation(description="Records a report and queues its case; a decision under its policy closes it.")
    async def submit_report(self, info: Info, input: SubmitReportInput) -> SubmitReportResult:
        unseen = unseen_policies(info.context.principal, [(input.subject.domain, input.policy)])
        if unseen is not None:
            return unseen
        runtime = info.context.runtime
        notice = Notice(
            subject=input.subject.to_domain(), account_id=input.account_id, reporter_id=input.reporter.id,
            reporter_kind=input.reporter.kind, policy_key=input.policy, text=input.text,
            content=None if input.content is None else input.content.to_domain(),
        )
        result = await attempt(runtime.ledger.submit_report, notice, input.idempotency_key, info.context.actor)
        if not isinstance(result, ReportSubmitted):
            return result
        report = result.report
        return Report.of_row(report_row(report, report.id in result.case.in_review, result.position))

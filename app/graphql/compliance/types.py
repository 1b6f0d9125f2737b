"""The GraphQL types of statements of reasons."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.graphql.core.values import PageInfo
from domain.submission import SubmissionStatus
from projections.sor_submissions.rows import SubmissionRow
from projections.statements_of_reasons.rows import StatementRow, StatementStatus

strawberry.enum(SubmissionStatus, description="Where a statement stands with the DSA Transparency Database (docket "
                "submit-sor): PENDING to be sent, SENDING sent and not answered, SUBMITTED the database has it, "
                "REJECTED it refused it.")


@strawberry.input
class StatementFilter:
    from_: datetime | None = strawberry.field(name="from", default=None, description="Decided at or after.")
    to: datetime | None = strawberry.field(default=None, description="Decided before.")
    domain: str | None = None
    status: StatementStatus | None = strawberry.field(
        default=None, description="Whether the decision still stands, or what ended it."
    )
    submission: SubmissionStatus | None = strawberry.field(
        default=None, description="Where the statement stands with the DSA Transparency Database."
    )


@strawberry.type(description="What the DSA Transparency Database was sent of a statement and what it answered.")
class StatementSubmission:
    status: SubmissionStatus
    requests: int = strawberry.field(description="Requests that carried the statement.")
    database_uuid: str | None = strawberry.field(description="The database's uuid of the statement, when it said.")
    reason: str | None = strawberry.field(description="Why the database refused it, or did not store it last time.")
    submitted_at: datetime | None

    @classmethod
    def of_row(cls, row: SubmissionRow) -> StatementSubmission:
        return cls(status=row.status, requests=row.requests, database_uuid=row.database_uuid, reason=row.reason,
                   submitted_at=row.submitted_at)


@strawberry.type
class StatementOfReasons:
    puid: str = strawberry.field(description="The statement's platform unique id, derived from the decision.")
    decision_id: strawberry.ID
    domain: str
    policy: str
    case_id: strawberry.ID
    account_id: str | None
    decided_at: datetime
    status: StatementStatus
    corrected_at: datetime | None = strawberry.field(
        description="When a later decision, a reversal or an overturned appeal ended the decision; the statement "
        "itself is never rewritten (the database takes no amendment)."
    )
    statement: JSON = strawberry.field(
        description="The statement as the DSA Transparency Database's API takes it (schema of 1 July 2025)."
    )
    submission: StatementSubmission

    @classmethod
    def of_row(cls, row: StatementRow) -> StatementOfReasons:
        return cls(
            puid=row.puid, decision_id=strawberry.ID(row.decision_id), domain=row.domain, policy=row.policy_key,
            case_id=strawberry.ID(row.case_id), account_id=row.account_id, decided_at=row.decided_at,
            status=row.status, corrected_at=row.corrected_at, statement=JSON(row.statement),
            submission=StatementSubmission.of_row(row.submission),
        )


@strawberry.type
class StatementOfReasonsEdge:
    cursor: str
    node: StatementOfReasons


@strawberry.type
class StatementOfReasonsConnection:
    edges: list[StatementOfReasonsEdge]
    page_info: PageInfo

"""GraphQL types of bulk decisions: a batch's progress as a write left it, and a batch, as the read model shows them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.reading import check_page, parse_position
from app.graphql.core.values import Action, PageInfo, Subject
from domain.batch import BatchStatus
from domain.values import Outcome
from projections.batch_progress.queries import batch_subjects
from projections.batch_progress.rows import BatchRow, BatchSubjectRow


@strawberry.enum(description="What became of a subject of a batch.")
class BatchSubjectStatus(StrEnum):
    PENDING = "PENDING"
    DECIDED = "DECIDED"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"
    REVERSED = "REVERSED"
    KEPT = "KEPT"


@strawberry.interface(description="How far a batch has got: its subjects by what became of them.")
class BatchCounts:
    status: BatchStatus
    total: int
    decided: int = strawberry.field(description="Decisions the batch made (reversed or not).")
    skipped: int = strawberry.field(
        description="Subjects left alone: already decided this way, or already decided under this batch."
    )
    failed: int = strawberry.field(description="Subjects that could not be decided, each with its reason.")
    reversed: int = strawberry.field(description="Decisions undone by reverseBatch.")
    kept: int = strawberry.field(description="Decisions reverseBatch left standing: superseded or reversed since.")


@strawberry.type(description="Where a batch stands after a bulkDecide or reverseBatch call.")
class BatchProgress(BatchCounts):
    batch_id: strawberry.ID
    created: bool = strawberry.field(description="False when a retry with the same idempotency key found the batch.")
    position: str

    @classmethod
    def of_row(cls, row: BatchRow, created: bool) -> BatchProgress:
        return cls(
            batch_id=strawberry.ID(row.batch_id), status=BatchStatus(row.status), total=row.total,
            decided=row.decided, skipped=row.skipped, failed=row.failed, reversed=row.reversed, kept=row.kept,
            created=created, position=str(row.position),
        )


@strawberry.type(description="One subject of a batch and what became of it.")
class BatchSubject:
    index: int
    subject: Subject
    account_id: str
    status: BatchSubjectStatus
    decision_id: strawberry.ID | None
    reason: str | None = strawberry.field(description="Why it was skipped, failed or kept.")

    @classmethod
    def of_row(cls, row: BatchSubjectRow) -> BatchSubject:
        return cls(
            index=row.index, subject=Subject.of(row.subject), account_id=row.account_id,
            status=BatchSubjectStatus(row.status),
            decision_id=None if row.decision_id is None else strawberry.ID(row.decision_id), reason=row.reason,
        )


@strawberry.type
class BatchSubjectEdge:
    cursor: str
    node: BatchSubject


@strawberry.type(description="A batch's subjects in the order given; cursors are places in the batch.")
class BatchSubjectConnection:
    edges: list[BatchSubjectEdge]
    page_info: PageInfo


@strawberry.type(description="A bulk decision: one verdict over many subjects, its progress and its rollback.")
class Batch(BatchCounts):
    id: strawberry.ID
    domain: str
    policy: str
    outcome: Outcome
    actions: list[Action]
    rationale: str
    pending: int = strawberry.field(description="Subjects not yet reached.")
    started_at: datetime
    started_by: str
    completed_at: datetime | None
    reversal_rationale: str | None
    reversed_by: str | None
    reversed_at: datetime | None
    updated_at: datetime
    position: str = strawberry.field(description="The ledger position of the batch's latest progress.")

    @strawberry.field(description="The batch's subjects, all or of one status, in the order given.")
    async def subjects(
        self, info: Info, status: BatchSubjectStatus | None = None, first: int = 50, after: str | None = None
    ) -> BatchSubjectConnection:
        check_page(first)
        start = parse_position(after, "after")
        rows = await info.context.runtime.store.reader.fetch(
            batch_subjects, str(self.id), None if status is None else str(status), -1 if start is None else start,
            first + 1,
        )
        edges = [BatchSubjectEdge(cursor=str(r.index), node=BatchSubject.of_row(r)) for r in rows[:first]]
        return BatchSubjectConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else after),
        )

    @classmethod
    def of_row(cls, row: BatchRow) -> Batch:
        return cls(
            id=strawberry.ID(row.batch_id), domain=row.domain, policy=row.policy_key, outcome=Outcome(row.outcome),
            actions=[Action.of(a) for a in row.actions], rationale=row.rationale, status=BatchStatus(row.status),
            total=row.total, pending=row.total - row.decided - row.skipped - row.failed, decided=row.decided,
            skipped=row.skipped, failed=row.failed, reversed=row.reversed, kept=row.kept, started_at=row.started_at,
            started_by=row.started_by, completed_at=row.completed_at, reversal_rationale=row.reversal_rationale,
            reversed_by=row.reversed_by, reversed_at=row.reversed_at, updated_at=row.updated_at,
            position=str(row.position),
        )

"""The reviewer's side of a case and an account: reports, notes, claim, waiting work, appeals and history."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from app.graphql.context import Info
from app.graphql.review_types import (
    CaseNote,
    CaseSummary,
    CaseSummaryEdge,
    Claim,
    Report,
)
from app.graphql.types import Appeal, AuditEntry, ReviewQueueEntry, Subject
from app.runtime.wiring import Runtime
from projections.appeals.queries import case_appeals
from projections.audit_trail.queries import subject_trail
from projections.case_status.rows import CaseRow
from projections.reports.queries import case_reports
from projections.review_queue.queues import case_claim, case_entries, case_notes

MAX_HISTORY = 1000


@dataclass(frozen=True)
class CaseReview:
    reports: list[Report]
    notes: list[CaseNote]
    claim: Claim | None
    waiting: list[ReviewQueueEntry]
    appeals: list[Appeal]
    history: list[AuditEntry]


def _load(runtime: Runtime, case_id: str, subject: Subject) -> CaseReview:
    key = f"{subject.domain}/{subject.kind}/{subject.id}"
    now = runtime.ledger.clock()
    with runtime.store.transaction(write=False) as sql:
        claim = case_claim(sql, case_id)
        return CaseReview(
            reports=[Report.of_row(r) for r in case_reports(sql, case_id)],
            notes=[CaseNote.of_row(n) for n in case_notes(sql, case_id)],
            claim=None if claim is None else Claim.of_row(claim, subject, now),
            waiting=[ReviewQueueEntry.of_row(e) for e in case_entries(sql, case_id)],
            appeals=[Appeal.of_row(a) for a in case_appeals(sql, case_id)],
            history=[AuditEntry.of_row(e) for e in subject_trail(sql, key, 0, MAX_HISTORY)],
        )


async def case_review(info: Info, case_id: str, subject: Subject) -> CaseReview:
    """Loaded once per case and request, whichever of its fields the query asks for."""
    cache = info.context.__dict__.setdefault("case_reviews", {})
    if case_id not in cache:
        cache[case_id] = await run_in_threadpool(_load, info.context.runtime, case_id, subject)
    review: CaseReview = cache[case_id]
    return review


def summary_edge(row: CaseRow, cursor: str) -> CaseSummaryEdge:
    return CaseSummaryEdge(
        cursor=cursor,
        node=CaseSummary(id=row.case_id, subject=Subject.of(row.subject), account_id=row.account_id,  # type: ignore[arg-type]
                         status=row.status, opened_at=row.opened_at, updated_at=row.updated_at),
    )

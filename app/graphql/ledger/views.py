"""Cases and accounts as reviewers and auditors see them; a case's reviewer side is loaded once per request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.audit.types import AuditEntry
from app.graphql.core.context import Info
from app.graphql.core.values import Subject
from app.graphql.ledger.types import (
    Appeal,
    Decision,
    Detection,
    DomainStanding,
    Penalty,
    Standing,
    Strike,
)
from app.graphql.review.queries import account_cases
from app.graphql.review.types import (
    CaseConnection,
    CaseNote,
    Claim,
    Report,
    ReviewQueueEntry,
)
from app.runtime.wiring import Runtime
from domain.standing import Strike as DomainStrike
from projections.account_standing.rows import AccountRow
from projections.appeals.queries import case_appeals
from projections.appeals.rows import AppealRow
from projections.audit_trail.queries import subject_trail
from projections.case_status.rows import CaseRow, DecisionRow, DetectionRow
from projections.reports.queries import case_reports
from projections.review_queue.queues import case_claim, case_entries, case_notes


@strawberry.type
class Account:
    id: strawberry.ID
    first_seen_at: datetime
    standing: Standing
    standings: list[DomainStanding] = strawberry.field(description="Standing per domain, each under its own ladder.")
    strikes: list[Strike] = strawberry.field(description="Every strike issued by the moment asked about.")
    penalties: list[Penalty] = strawberry.field(description="Every penalty imposed by the moment asked about.")
    appeals: list[Appeal]

    @classmethod
    def of_row(cls, row: AccountRow, appeals: list[AppealRow]) -> Account:
        return cls(
            id=strawberry.ID(row.account_id), first_seen_at=row.first_seen_at, standing=Standing.of(row.standing),
            standings=[DomainStanding.of(d) for d in row.standing.domains],
            strikes=[Strike.of(s) for s in row.strikes], penalties=[Penalty.of(p) for p in row.penalties],
            appeals=[Appeal.of_row(a) for a in appeals],
        )

    @strawberry.field(description="The account's cases as they stand now, in the order they were opened.")
    async def cases(
        self, info: strawberry.Info, first: int = 50, after: str | None = None
    ) -> CaseConnection:

        return await account_cases(info, str(self.id), first, after)


@strawberry.type(description="Everything recorded about one subject.")
class Case:
    id: strawberry.ID
    subject: Subject
    account_id: str | None
    status: str = strawberry.field(description="OPEN (awaiting a decision), ACTIONED or CLEARED.")
    opened_at: datetime
    updated_at: datetime
    detections: list[Detection]
    decisions: list[Decision]

    @classmethod
    def of_row(
        cls, row: CaseRow, detections: list[DetectionRow], decisions: list[DecisionRow], strikes: dict[str, DomainStrike]
    ) -> Case:
        return cls(
            id=strawberry.ID(row.case_id), subject=Subject.of(row.subject), account_id=row.account_id,
            status=row.status, opened_at=row.opened_at, updated_at=row.updated_at,
            detections=[Detection.of_row(d) for d in detections],
            decisions=[Decision.of_row(d, strikes.get(d.strike_id or "")) for d in decisions],
        )

    # The reviewer's view: as things stand now, also on a case asked `asOf` a past moment.

    @strawberry.field(description="The reports on the subject, in the order they came in.")
    async def reports(self, info: strawberry.Info) -> list[Report]:
        return (await _review(self, info)).reports

    @strawberry.field(description="Notes, escalations and priority overrides, in order.")
    async def notes(self, info: strawberry.Info) -> list[CaseNote]:
        return (await _review(self, info)).notes

    @strawberry.field(description="The latest claim on the case, if it has not ended; see `live` for its lease.")
    async def claim(self, info: strawberry.Info) -> Claim | None:
        return (await _review(self, info)).claim

    @strawberry.field(description="The case's work awaiting review, one entry per policy, with its queue.")
    async def waiting(self, info: strawberry.Info) -> list[ReviewQueueEntry]:
        return (await _review(self, info)).waiting

    @strawberry.field(description="Appeals of the case's decisions, in the order they were filed.")
    async def appeals(self, info: strawberry.Info) -> list[Appeal]:
        return (await _review(self, info)).appeals

    @strawberry.field(
        description="The whole story in ledger order: reports, detections, claims, notes, escalations, decisions, "
        "reversals and appeals (the first 1000 events; auditTrail pages through any number)."
    )
    async def history(self, info: strawberry.Info) -> list[AuditEntry]:
        return (await _review(self, info)).history


async def _review(case: Case, info: strawberry.Info) -> Any:
    return await case_review(info, str(case.id), case.subject)


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

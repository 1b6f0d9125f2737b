"""Cases and accounts as reviewers and auditors see them.

A case's nested records (detections, decisions with their strikes, reports, notes, claim, waiting work, appeals
and history) are fields of their own, each read through a DataLoader: a page of cases costs one statement per
field the query selects, however many cases the page holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import strawberry

from app.graphql.audit.types import AuditEntry
from app.graphql.core.context import Info
from app.graphql.core.reading import check_page, parse_position
from app.graphql.core.selection import Selected
from app.graphql.core.values import PageInfo, Subject
from app.graphql.ledger.types import (
    Appeal,
    Decision,
    Detection,
    DomainStanding,
    Penalty,
    Standing,
    Strike,
)
from app.graphql.review.types import CaseNote, Claim, Report, ReviewQueueEntry
from domain.appeal import AppealStatus
from domain.standing import Strike as DomainStrike
from domain.values import Subject as SubjectKey
from projections.account_standing.queries import find_strikes
from projections.account_standing.rows import AccountRow
from projections.action_confirmations.queries import decision_confirmations
from projections.appeals.queries import account_appeals, case_appeals
from projections.appeals.rows import AppealRow
from projections.audit_trail.queries import subject_trails
from projections.audit_trail.rows import AuditEntryRow
from projections.case_status.as_of import strike_as_of
from projections.case_status.queries import decisions_of_cases, detections_of_cases, find_case_with
from projections.case_status.rows import CaseRow, DecisionRow, DetectionRow
from projections.case_status.search import CaseFilter as CaseQuery
from projections.case_status.search import search_cases
from projections.reports.queries import case_reports
from projections.review_queue.queues import case_claims, case_entries, case_notes
from projections.sql import Query, Steps, query_of

MAX_HISTORY = 1000
"""Events a case's `history` shows; `auditTrail` pages through any number."""

DecisionWithStrike = tuple[DecisionRow, DomainStrike | None]


@dataclass(frozen=True)
class Records:
    """A case's detections and decisions read with the case itself: as they stood at a past moment, or those the
    query selects as they stand now (None: not read; the field loads them)."""

    detections: list[DetectionRow] | None
    decisions: list[DecisionWithStrike] | None


@query_of(decisions_of_cases, find_strikes)
def decisions_with_strikes(case_ids: Sequence[str]) -> Steps[dict[str, list[DecisionWithStrike]]]:
    """Each case's decisions and the strikes they caused, as they stand now: two statements for any number of cases."""
    decisions = yield from decisions_of_cases.steps(case_ids)
    strikes = yield from find_strikes.steps([d.strike_id for rows in decisions.values() for d in rows if d.strike_id])
    return {case_id: [(d, strikes.get(d.strike_id or "")) for d in rows] for case_id, rows in decisions.items()}


@query_of(find_case_with, find_strikes)
def case_with_decisions(subject: SubjectKey, detections: bool, strikes: bool) -> Steps[Case | None]:
    """The case as it stands now with its decisions, and its detections if asked: one statement; and the strikes of
    its decisions, if asked, one more."""
    found = yield from find_case_with.steps(subject, detections, True)
    if found is None:
        return None
    decisions = found.decisions or []
    counted = (yield from find_strikes.steps([d.strike_id for d in decisions if d.strike_id])) if strikes else {}
    return Case.of_row(found.case, Records(found.detections, [(d, counted.get(d.strike_id or "")) for d in decisions]))


def past_records(detections: list[DetectionRow], decisions: list[DecisionRow], at: datetime) -> Steps[Records]:
    """The records of a case as of `at`, each decision with its strike as it stood then."""
    strikes = yield from find_strikes.steps([d.strike_id for d in decisions if d.strike_id])
    return Records(
        detections,
        [(d, None if d.strike_id not in strikes else strike_as_of(strikes[d.strike_id], at)) for d in decisions],
    )


@query_of(subject_trails)
def histories(subject_keys: Sequence[str]) -> Steps[dict[str, list[AuditEntryRow]]]:
    return (yield from subject_trails.steps(subject_keys, MAX_HISTORY))


def appeal_as_of(row: AppealRow, at: datetime) -> AppealRow:
    """Hides a resolution that had not yet happened at `at`, as strikes and penalties hide theirs."""
    if row.resolved_at is not None and row.resolved_at > at:
        return replace(row, status=str(AppealStatus.PENDING), resolved_at=None, resolved_by=None, rationale=None)
    return row


@strawberry.type(description="Everything recorded about one subject.")
class Case:
    id: strawberry.ID
    subject: Subject
    account_id: str | None
    status: str = strawberry.field(description="OPEN (awaiting a decision), ACTIONED or CLEARED.")
    opened_at: datetime
    updated_at: datetime
    records: strawberry.Private[Records | None] = None
    """Its detections and decisions, when read with it: as they stood then, on a case asked `asOf` a past moment."""

    @classmethod
    def of_row(cls, row: CaseRow, records: Records | None = None) -> Case:
        return cls(
            id=strawberry.ID(row.case_id), subject=Subject.of(row.subject), account_id=row.account_id,
            status=row.status, opened_at=row.opened_at, updated_at=row.updated_at, records=records,
        )

    @strawberry.field(description="The detections recorded on the subject, in ledger order.")
    async def detections(self, info: Info) -> list[Detection]:
        rows = None if self.records is None else self.records.detections
        if rows is None:
            rows = await info.context.loaders.of(detections_of_cases).load(self.id)
        return [Detection.of_row(r) for r in rows]

    @strawberry.field(
        description="The decisions made on the subject, in ledger order, each with the strike it counts: the one it "
        "issued, or for a VIOLATING re-decision, the one the case kept."
    )
    async def decisions(self, info: Info) -> list[Decision]:
        pairs = None if self.records is None else self.records.decisions
        if pairs is None:
            pairs = await info.context.loaders.of(decisions_with_strikes).load(self.id)
        return [Decision.of_row(row, strike) for row, strike in pairs]

    # The reviewer's view: as things stand now, also on a case asked `asOf` a past moment.

    @strawberry.field(description="The reports on the subject, in the order they came in.")
    async def reports(self, info: Info) -> list[Report]:
        return [Report.of_row(r) for r in await info.context.loaders.of(case_reports).load(self.id)]

    @strawberry.field(description="Notes, escalations and priority overrides, in order.")
    async def notes(self, info: Info) -> list[CaseNote]:
        return [CaseNote.of_row(n) for n in await info.context.loaders.of(case_notes).load(self.id)]

    @strawberry.field(description="The latest claim on the case, if it has not ended; see `live` for its lease.")
    async def claim(self, info: Info) -> Claim | None:
        row = await info.context.loaders.of(case_claims).load(self.id)
        return None if row is None else Claim.of_row(row, self.subject, info.context.runtime.ledger.clock())

    @strawberry.field(description="The case's work awaiting review, one entry per policy, with its queue.")
    async def waiting(self, info: Info) -> list[ReviewQueueEntry]:
        return [ReviewQueueEntry.of_row(e) for e in await info.context.loaders.of(case_entries).load(self.id)]

    @strawberry.field(description="Appeals of the case's decisions, in the order they were filed.")
    async def appeals(self, info: Info) -> list[Appeal]:
        return [Appeal.of_row(a) for a in await info.context.loaders.of(case_appeals).load(self.id)]

    @strawberry.field(
        description="The whole story in ledger order: reports, detections, claims, notes, escalations, decisions, "
        f"reversals and appeals (the first {MAX_HISTORY} events; auditTrail pages through any number)."
    )
    async def history(self, info: Info) -> list[AuditEntry]:
        key = f"{self.subject.domain}/{self.subject.kind}/{self.subject.id}"
        return [AuditEntry.of_row(e) for e in await info.context.loaders.of(histories).load(key)]


@strawberry.type
class CaseEdge:
    cursor: str
    node: Case


@strawberry.type(description="Cases in the order the ledger opened them; cursors are positions.")
class CaseConnection:
    edges: list[CaseEdge]
    page_info: PageInfo


@strawberry.input(description="Which cases to list: every criterion given must hold.")
class CaseFilter:
    status: str | None = strawberry.field(default=None, description="OPEN, ACTIONED or CLEARED.")
    domain: str | None = None
    policy: str | None = None
    queue: str | None = strawberry.field(default=None, description="Cases with work waiting in this queue.")
    reporter: str | None = strawberry.field(default=None, description="Cases this reporter reported.")

    def to_query(self, account_id: str | None = None) -> CaseQuery:
        return CaseQuery(status=self.status, domain=self.domain, policy_key=self.policy, queue=self.queue,
                         reporter_id=self.reporter, account_id=account_id)


FIELD_READS: dict[str, tuple[Callable[..., Any], ...]] = {
    "reports": (case_reports,), "notes": (case_notes,), "claim": (case_claims,), "waiting": (case_entries,),
    "appeals": (case_appeals,), "history": (histories,),
}
"""What each field of a case that loads rows of its own reads (its detections and decisions are read with it)."""


def case_reads(selected: Selected) -> list[Callable[..., Any]]:
    """What a case read as it stands now with the fields `selected` reads: the read models a `minPosition` waits for."""
    under_decisions = selected.under("decisions")
    reads: list[Callable[..., Any]] = [find_case_with]
    reads += [q for name, queries in FIELD_READS.items() if name in selected for q in queries]
    if "strike" in under_decisions:
        reads.append(find_strikes)
    if "confirmations" in under_decisions:
        reads.append(decision_confirmations)
    return reads


async def case_now(info: Info, subject: SubjectKey, selected: Selected, keep: bool) -> Case | None:
    """The case as it stands now, read with the detections and decisions the query `selected`. With `keep`, a case
    found declares what it depends on, so that the answer may be kept: the read models it was read from, and not the
    clock (a nested field that reads more, as `claim` does, makes a request whose answer is never kept)."""
    reads = info.context.reads
    if keep:
        await reads.positions()
    detections = "detections" in selected
    query: Query[..., Any]
    if "decisions" in selected:
        query = case_with_decisions
        case = await reads.fetch(case_with_decisions, subject, detections, "strike" in selected.under("decisions"))
    else:
        query = find_case_with
        found = await reads.fetch(find_case_with, subject, detections, False)
        case = None if found is None else Case.of_row(found.case, Records(found.detections, None))
    if keep and case is not None:
        reads.declare(str(info.path.key), [query], None)
    return case


async def case_page(info: Info, query: CaseQuery, first: int, after: str | None) -> CaseConnection:
    """A page of the cases the query selects, within the caller's domains."""
    start = parse_position(after, "after") or 0
    check_page(first)
    scope = info.context.principal.scope
    rows = await info.context.runtime.store.reader.fetch(search_cases, query, start, first + 1, scope)
    edges = [CaseEdge(cursor=str(r.opened_position), node=Case.of_row(r)) for r in rows[:first]]
    return CaseConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else after),
    )


@strawberry.type
class Account:
    id: strawberry.ID
    first_seen_at: datetime
    standing: Standing
    standings: list[DomainStanding] = strawberry.field(description="Standing per domain, each under its own ladder.")
    strikes: list[Strike] = strawberry.field(description="Every strike issued by the moment asked about.")
    penalties: list[Penalty] = strawberry.field(description="Every penalty imposed by the moment asked about.")
    at: strawberry.Private[datetime]
    """The moment asked about."""
    scope: strawberry.Private[tuple[str, ...] | None]
    """The domains the caller sees (None: all)."""

    @strawberry.field
    async def appeals(self, info: Info) -> list[Appeal]:
        rows = await info.context.runtime.store.reader.fetch(account_appeals, str(self.id))
        return [Appeal.of_row(appeal_as_of(a, self.at)) for a in rows
                if a.filed_at <= self.at and (self.scope is None or a.subject.domain in self.scope)]

    @classmethod
    def of_row(cls, row: AccountRow, at: datetime, scope: tuple[str, ...] | None) -> Account:
        return cls(
            id=strawberry.ID(row.account_id), first_seen_at=row.first_seen_at, standing=Standing.of(row.standing),
            standings=[DomainStanding.of(d) for d in row.standing.domains],
            strikes=[Strike.of(s) for s in row.strikes], penalties=[Penalty.of(p) for p in row.penalties],
            at=at, scope=scope,
        )

    @strawberry.field(description="The account's cases as they stand now, in the order they were opened.")
    async def cases(self, info: Info, first: int = 50, after: str | None = None) -> CaseConnection:
        return await case_page(info, CaseQuery(account_id=str(self.id)), first, after)


"""GraphQL types of human review: queue entries, reports, reporters, queues and routing, claims, notes and figures."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from app.graphql.core.values import Content, PageInfo, Subject
from domain.report import ReporterKind, ReportStatus
from domain.routing import RoutingRule as DomainRoutingRule
from domain.values import (
    DetectionSource,
    Outcome,
    Severity,
)
from domain.values import Subject as DomainSubject
from projections.reports.rows import ReporterRow, ReportRow
from projections.review_queue.figures import Figures
from projections.review_queue.rows import ClaimRow, NoteRow, QueueEntryRow, QueueRow


@strawberry.type(
    description="A case and policy awaiting review: detections that no live decision answers yet, or reports."
)
class ReviewQueueEntry:
    case_id: strawberry.ID
    subject: Subject
    account_id: str | None
    policy: str
    severity: Severity = strawberry.field(description="The policy's current severity.")
    max_confidence: float = strawberry.field(description="The highest confidence among the waiting detections.")
    detections: int = strawberry.field(description="How many detections have been waiting since the entry was queued.")
    oldest_detected_at: datetime
    enqueued_at: datetime
    position: str = strawberry.field(description="The ledger position of the entry's latest change.")
    reports: int = strawberry.field(description="How many reports have come in since the entry was queued.")
    queue: str | None = strawberry.field(description="The queue routing or an escalation put it in.")
    priority: int = strawberry.field(description="The explicit override of its order in the queue; 0 by default.")
    escalated: bool

    @classmethod
    def of_row(cls, row: QueueEntryRow) -> ReviewQueueEntry:
        return cls(
            case_id=strawberry.ID(row.case_id), subject=Subject.of(row.subject), account_id=row.account_id,
            policy=row.policy_key, severity=Severity(row.severity), max_confidence=row.max_confidence,
            detections=row.detections, oldest_detected_at=row.oldest_detected_at, enqueued_at=row.enqueued_at,
            position=str(row.position), reports=row.reports, queue=row.queue, priority=row.priority,
            escalated=row.escalated,
        )


@strawberry.type
class ReviewQueueEdge:
    cursor: str
    node: ReviewQueueEntry


@strawberry.type(
    description="The review queue in priority order: most severe policy, then highest confidence, then longest "
    "waiting. Cursors are opaque and mark a place in that order."
)
class ReviewQueueConnection:
    edges: list[ReviewQueueEdge]
    page_info: PageInfo


@strawberry.type(description="A notice (DSA Art. 16) that a subject breaks a policy.")
class Report:
    id: strawberry.ID
    case_id: strawberry.ID
    subject: Subject
    account_id: str | None
    policy: str
    reporter_id: str
    reporter_kind: ReporterKind
    text: str
    content: Content | None
    status: ReportStatus = strawberry.field(description="OPEN, IN_REVIEW once a reviewer claimed the case, CLOSED.")
    outcome: Outcome | None
    decision_id: strawberry.ID | None
    told: str | None = strawberry.field(description="What the reporter was told when the report closed.")
    submitted_at: datetime
    submitted_by: str
    closed_at: datetime | None
    position: str

    @classmethod
    def of_row(cls, r: ReportRow) -> Report:
        return cls(
            id=strawberry.ID(r.report_id), case_id=strawberry.ID(r.case_id), subject=Subject.of(r.subject),
            account_id=r.account_id, policy=r.policy_key, reporter_id=r.reporter_id,
            reporter_kind=ReporterKind(r.reporter_kind), text=r.text, content=Content.of(r.content),
            status=ReportStatus(r.status), outcome=None if r.outcome is None else Outcome(r.outcome),
            decision_id=None if r.decision_id is None else strawberry.ID(r.decision_id), told=r.told,
            submitted_at=r.submitted_at, submitted_by=r.submitted_by, closed_at=r.closed_at, position=str(r.position),
        )


@strawberry.type(description="A reporter's record: how many notices, how many upheld, warnings and suspension.")
class Reporter:
    id: str
    kind: ReporterKind | None
    reports: int
    closed: int
    upheld: int
    upheld_rate: float | None = strawberry.field(description="Upheld among closed reports; null before any closed.")
    warnings: int
    last_warned_at: datetime | None
    last_warning: str | None
    suspended_until: datetime | None
    suspension_reason: str | None
    suspended: bool = strawberry.field(description="Whether its notices are suspended now (DSA Art. 23).")
    position: str | None = None

    @classmethod
    def of_row(cls, r: ReporterRow, now: datetime, position: int | None = None) -> Reporter:
        return cls(
            id=r.reporter_id, kind=None if r.kind is None else ReporterKind(r.kind), reports=r.reports,
            closed=r.closed, upheld=r.upheld, upheld_rate=r.upheld_rate, warnings=r.warnings,
            last_warned_at=r.last_warned_at, last_warning=r.last_warning, suspended_until=r.suspended_until,
            suspension_reason=r.suspension, suspended=r.suspended_until is not None and now < r.suspended_until,
            position=None if position is None else str(position),
        )


@strawberry.type(description="A review queue; routing decides what lands in it.")
class Queue:
    name: str
    domain: str
    description: str
    created_at: datetime
    created_by: str
    position: str

    @classmethod
    def of_row(cls, r: QueueRow) -> Queue:
        return cls(name=r.name, domain=r.domain, description=r.description, created_at=r.created_at,
                   created_by=r.created_by, position=str(r.position))


@strawberry.type(description="Sends work to a queue when every condition given holds; an empty list holds for all.")
class RoutingRule:
    queue: str
    domains: list[str]
    policies: list[str]
    sources: list[DetectionSource]
    reporter_kinds: list[ReporterKind]
    subject_kinds: list[str]
    severities: list[Severity]
    min_confidence: float | None

    @classmethod
    def of(cls, r: DomainRoutingRule) -> RoutingRule:
        return cls(
            queue=r.queue, domains=list(r.domains), policies=list(r.policies),
            sources=[DetectionSource(s) for s in r.sources], reporter_kinds=[ReporterKind(k) for k in r.reporter_kinds],
            subject_kinds=list(r.subject_kinds), severities=[Severity(s) for s in r.severities],
            min_confidence=r.min_confidence,
        )


@strawberry.type(description="The routing table: rules in order, the first match wins, else the default queue.")
class RoutingTable:
    rules: list[RoutingRule]
    default_queue: str | None
    position: str | None = None


@strawberry.type(description="A reviewer's lease on a case, for one queue and policy.")
class Claim:
    case_id: strawberry.ID
    subject: Subject
    queue: str
    policy: str
    holder: str
    claimed_at: datetime
    expires_at: datetime
    live: bool = strawberry.field(description="Whether the lease still runs.")
    position: str | None = None

    @classmethod
    def of_row(cls, r: ClaimRow, subject: Subject, now: datetime, position: int | None = None) -> Claim:
        """The claim of a row, live while its lease runs at `now`; `position` that of the write a mutation answers
        with."""
        return cls(case_id=strawberry.ID(r.case_id), subject=subject, queue=r.queue, policy=r.policy_key,
                   holder=r.holder, claimed_at=r.claimed_at, expires_at=r.expires_at, live=now < r.expires_at,
                   position=None if position is None else str(position))


@strawberry.type(description="A claimed case: the lease and the queue entry it was claimed for.")
class ClaimedCase:
    claim: Claim
    entry: ReviewQueueEntry
    position: str

    @classmethod
    def of_row(cls, claim: ClaimRow, entry: QueueEntryRow, now: datetime, position: int) -> ClaimedCase:
        queued = ReviewQueueEntry.of_row(entry)
        return cls(claim=Claim.of_row(claim, queued.subject, now, position), entry=queued, position=str(position))


@strawberry.type(description="A change to a case: a release, a skip, an escalation, a note or a priority.")
class CaseUpdate:
    case_id: strawberry.ID
    subject: Subject
    position: str

    @classmethod
    def of(cls, case_id: UUID, subject: DomainSubject, position: int) -> CaseUpdate:
        """Which case changed, and the position of the write that changed it."""
        return cls(case_id=strawberry.ID(str(case_id)), subject=Subject.of(subject), position=str(position))


@strawberry.type(description="A note on a case, an escalation (with its queue) or a priority override.")
class CaseNote:
    kind: str = strawberry.field(description="NOTE, ESCALATION or PRIORITY.")
    policy: str | None
    note: str
    queue: str | None
    priority: int | None
    actor: str
    occurred_at: datetime
    position: str

    @classmethod
    def of_row(cls, r: NoteRow) -> CaseNote:
        return cls(kind=r.kind, policy=r.policy_key, note=r.note, queue=r.queue, priority=r.priority, actor=r.actor,
                   occurred_at=r.occurred_at, position=str(r.position))


@strawberry.type(description="Operations figures over a window that ends now.")
class OperationsFigures:
    name: str = strawberry.field(description="The queue's or the reviewer's name.")
    backlog: int = strawberry.field(description="Queue: entries waiting. Reviewer: cases held under a live lease.")
    oldest_waiting_seconds: float | None
    inbound_per_hour: float
    decided_per_hour: float
    median_handling_seconds: float | None = strawberry.field(description="From claim to decision.")
    p90_handling_seconds: float | None
    claim_expiries: int

    @classmethod
    def of(cls, f: Figures, now: datetime) -> OperationsFigures:
        oldest = None if f.oldest_waiting_since is None else (now - f.oldest_waiting_since).total_seconds()
        return cls(
            name=f.name, backlog=f.backlog, oldest_waiting_seconds=oldest, inbound_per_hour=f.per_hour(f.inbound),
            decided_per_hour=f.per_hour(f.decided), median_handling_seconds=f.median_handling,
            p90_handling_seconds=f.p90_handling, claim_expiries=f.claim_expiries,
        )

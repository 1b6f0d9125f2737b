"""GraphQL output types, each built from a domain value or a read-model row."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from app.graphql.event_json import event_data
from app.write.ledger import StoredEvent
from domain.appeal import AppealStatus
from domain.case import Decision as DomainDecision
from domain.detection import Detection as DomainDetection
from domain.levels import PenaltyKind, StandingLevel
from domain.policy import PolicyTerms
from domain.standing import DomainStanding as DomainStandingValue
from domain.standing import Penalty as DomainPenalty
from domain.standing import Standing as DomainStandingTotal
from domain.standing import Strike as DomainStrike
from domain.values import (
    Action as DomainAction,
)
from domain.values import (
    ActionType,
    AutomationLevel,
    ContentType,
    DetectionSource,
    DsaGround,
    Outcome,
    Severity,
)
from domain.values import Content as DomainContent
from domain.values import Subject as DomainSubject
from projections.account_standing.rows import AccountRow
from projections.appeals.rows import AppealRow
from projections.audit_trail.rows import AuditEntryRow
from projections.case_status.rows import CaseRow, DecisionRow, DetectionRow
from projections.policy_catalog.rows import PolicyRow
from projections.review_queue.rows import QueueEntryRow

if TYPE_CHECKING:
    from app.graphql.review_types import CaseConnection, CaseNote, Claim, Report

_REVIEW = "app.graphql.review_types"


@strawberry.type
class Subject:
    domain: str
    kind: str
    id: str

    @classmethod
    def of(cls, subject: DomainSubject) -> Subject:
        return cls(domain=subject.domain, kind=subject.kind, id=subject.id)


@strawberry.type(description="The content a detection or decision pinned: what was judged.")
class Content:
    uri: str
    hash: str
    version: str

    @classmethod
    def of(cls, content: DomainContent | None) -> Content | None:
        return None if content is None else cls(uri=content.uri, hash=content.hash, version=content.version)


@strawberry.type
class Action:
    type: ActionType
    territories: list[str]
    ends_at: datetime | None

    @classmethod
    def of(cls, action: DomainAction) -> Action:
        return cls(type=action.type, territories=list(action.territories), ends_at=action.ends_at)


@strawberry.type(description="One version of a domain's policy.")
class Policy:
    domain: str
    key: str
    version: int
    title: str
    text: str
    severity: Severity
    strike_points: int
    allowed_actions: list[ActionType]
    dsa_category: str
    dsa_ground: DsaGround
    zero_tolerance: bool
    retired: bool
    position: str | None = strawberry.field(description="The ledger position of the write, on mutation results.")

    @classmethod
    def of(cls, domain: str, key: str, version: int, terms: PolicyTerms, retired: bool, position: int | None) -> Policy:
        return cls(
            domain=domain, key=key, version=version, title=terms.title, text=terms.text, severity=terms.severity,
            strike_points=terms.strike_points, allowed_actions=list(terms.allowed_actions),
            dsa_category=terms.dsa_category, dsa_ground=terms.dsa_ground, zero_tolerance=terms.zero_tolerance,
            retired=retired, position=None if position is None else str(position),
        )

    @classmethod
    def of_row(cls, row: PolicyRow) -> Policy:
        return cls.of(row.domain, row.key, row.version, row.terms, row.retired, None)


@strawberry.type(description="A recorded signal that a subject may break a policy.")
class Detection:
    id: strawberry.ID
    policy: str
    policy_version: int
    source: DetectionSource
    external_id: str
    confidence: float
    model: str | None
    content_type: ContentType
    content: Content | None
    automated: bool
    detected_at: datetime
    position: str | None

    @classmethod
    def of(cls, detection: DomainDetection, position: int) -> Detection:
        f = detection.facts
        return cls(
            id=strawberry.ID(str(detection.id)), policy=f.policy_key, policy_version=detection.policy_version,
            source=f.source, external_id=f.external_id, confidence=f.confidence, model=f.model,
            content_type=f.content_type, content=Content.of(f.content), automated=f.source.automated,
            detected_at=f.detected_at, position=str(position),
        )

    @classmethod
    def of_row(cls, row: DetectionRow) -> Detection:
        return cls(
            id=strawberry.ID(row.detection_id), policy=row.policy_key, policy_version=row.policy_version,
            source=DetectionSource(row.source), external_id=row.external_id, confidence=row.confidence,
            model=row.model, content_type=ContentType(row.content_type), content=Content.of(row.content),
            automated=row.automated, detected_at=row.detected_at, position=str(row.position),
        )


@strawberry.type(description="A strike against an account; it counts while issued, unexpired and not removed.")
class Strike:
    id: strawberry.ID
    domain: str
    policy: str
    policy_version: int
    points: int
    decision_id: strawberry.ID
    issued_at: datetime
    expires_at: datetime
    removed_at: datetime | None
    removal_reason: str | None

    @classmethod
    def of(cls, strike: DomainStrike) -> Strike:
        return cls(
            id=strawberry.ID(str(strike.strike_id)), domain=strike.domain, policy=strike.policy_key,
            policy_version=strike.policy_version, points=strike.points,
            decision_id=strawberry.ID(str(strike.decision_id)), issued_at=strike.issued_at,
            expires_at=strike.expires_at, removed_at=strike.removed_at, removal_reason=strike.removal_reason,
        )


@strawberry.type(description="A verdict on a subject under one policy version.")
class Decision:
    id: strawberry.ID
    policy: str
    policy_version: int
    outcome: Outcome
    actions: list[Action]
    rationale: str
    detection_ids: list[strawberry.ID]
    content: Content | None
    automation: AutomationLevel
    dsa_category: str
    dsa_ground: DsaGround
    live: bool
    superseded_by: strawberry.ID | None
    supersedes: strawberry.ID | None
    decided_at: datetime | None
    decided_by: str | None
    strike: Strike | None
    position: str | None
    reversed_at: datetime | None = None
    reversal_reason: str | None = None
    batch_id: strawberry.ID | None = strawberry.field(default=None, description="The bulk decision it was part of.")

    @classmethod
    def of(
        cls, decision: DomainDecision, strike: DomainStrike | None, position: int, decided_by: str, decided_at: datetime
    ) -> Decision:
        return cls(
            id=strawberry.ID(str(decision.decision_id)), policy=decision.policy_key,
            policy_version=decision.policy_version, outcome=decision.outcome,
            actions=[Action.of(a) for a in decision.actions], rationale=decision.rationale,
            detection_ids=[strawberry.ID(str(i)) for i in decision.detection_ids],
            content=Content.of(decision.content), automation=decision.automation,
            dsa_category=decision.dsa_category, dsa_ground=decision.dsa_ground, live=True, superseded_by=None,
            supersedes=None if decision.supersedes is None else strawberry.ID(str(decision.supersedes)),
            decided_at=decided_at, decided_by=decided_by, strike=None if strike is None else Strike.of(strike),
            position=str(position), batch_id=None if decision.batch_id is None else strawberry.ID(str(decision.batch_id)),
        )

    @classmethod
    def of_row(cls, row: DecisionRow, strike: DomainStrike | None) -> Decision:
        return cls(
            id=strawberry.ID(row.decision_id), policy=row.policy_key, policy_version=row.policy_version,
            outcome=Outcome(row.outcome), actions=[Action.of(a) for a in row.actions], rationale=row.rationale,
            detection_ids=[strawberry.ID(i) for i in row.detection_ids], content=Content.of(row.content),
            automation=AutomationLevel(row.automation), dsa_category=row.dsa_category,
            dsa_ground=DsaGround(row.dsa_ground), live=row.live,
            superseded_by=None if row.superseded_by is None else strawberry.ID(row.superseded_by),
            supersedes=None, decided_at=row.decided_at, decided_by=row.decided_by,
            strike=None if strike is None else Strike.of(strike), position=str(row.position),
            reversed_at=row.reversed_at, reversal_reason=row.reversal_reason,
            batch_id=None if row.batch_id is None else strawberry.ID(row.batch_id),
        )


@strawberry.type(description="A penalty a strike ladder imposed: feature limits, a suspension or termination.")
class Penalty:
    id: strawberry.ID
    domain: str
    kind: PenaltyKind
    level: StandingLevel
    threshold: int = strawberry.field(description="The active strike points that imposed it (0: zero tolerance).")
    features: list[str]
    starts_at: datetime
    ends_at: datetime | None = strawberry.field(
        description="When it ends as things stand; null: until lifted. One that lasts while points hold ends as strikes expire."
    )
    lasts_while_points_hold: bool
    lifted_at: datetime | None
    lift_reason: str | None

    @classmethod
    def of(cls, p: DomainPenalty) -> Penalty:
        return cls(
            id=strawberry.ID(str(p.penalty_id)), domain=p.domain, kind=p.kind, level=p.level, threshold=p.threshold,
            features=list(p.features), starts_at=p.starts_at, ends_at=p.ends_at, lasts_while_points_hold=p.points_bound,
            lifted_at=p.lifted_at, lift_reason=p.lift_reason,
        )


@strawberry.type(description="Where an account stands in one domain, under that domain's ladder.")
class DomainStanding:
    domain: str
    level: StandingLevel
    strike_points: int
    active_strikes: int
    penalties: list[Penalty]
    explanation: str

    @classmethod
    def of(cls, d: DomainStandingValue) -> DomainStanding:
        return cls(
            domain=d.domain, level=d.level, strike_points=d.strike_points, active_strikes=len(d.active_strikes),
            penalties=[Penalty.of(p) for p in d.penalties], explanation=d.explanation,
        )


@strawberry.type(description="Where an account stands at the moment asked about: the worst of its domains.")
class Standing:
    level: StandingLevel
    strike_points: int
    active_strikes: int
    penalty: Penalty | None = strawberry.field(description="The most severe penalty in force.")
    explanation: str = strawberry.field(
        description="Which strikes count, which expired or were removed, and which ladder rung applies."
    )

    @classmethod
    def of(cls, standing: DomainStandingTotal) -> Standing:
        return cls(
            level=standing.level, strike_points=standing.strike_points, active_strikes=len(standing.active_strikes),
            penalty=None if standing.penalty is None else Penalty.of(standing.penalty),
            explanation=standing.explanation,
        )


@strawberry.type(description="An appeal of a VIOLATING decision.")
class Appeal:
    id: strawberry.ID
    decision_id: strawberry.ID
    subject: Subject
    account_id: str | None
    policy: str
    statement: str
    status: AppealStatus
    filed_at: datetime
    filed_by: str
    window_ends_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    rationale: str | None
    position: str | None

    @classmethod
    def of_row(cls, row: AppealRow) -> Appeal:
        return cls(
            id=strawberry.ID(row.appeal_id), decision_id=strawberry.ID(row.decision_id), subject=Subject.of(row.subject),
            account_id=row.account_id, policy=row.policy_key, statement=row.statement, status=AppealStatus(row.status),
            filed_at=row.filed_at, filed_by=row.filed_by, window_ends_at=row.window_ends_at,
            resolved_at=row.resolved_at, resolved_by=row.resolved_by, rationale=row.rationale,
            position=str(row.position),
        )


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
    ) -> Annotated[CaseConnection, strawberry.lazy(_REVIEW)]:
        from app.graphql.review_queries import account_cases

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
    async def reports(self, info: strawberry.Info) -> list[Annotated[Report, strawberry.lazy(_REVIEW)]]:
        return (await _review(self, info)).reports

    @strawberry.field(description="Notes, escalations and priority overrides, in order.")
    async def notes(self, info: strawberry.Info) -> list[Annotated[CaseNote, strawberry.lazy(_REVIEW)]]:
        return (await _review(self, info)).notes

    @strawberry.field(description="The latest claim on the case, if it has not ended; see `live` for its lease.")
    async def claim(self, info: strawberry.Info) -> Annotated[Claim, strawberry.lazy(_REVIEW)] | None:
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
    from app.graphql.case_review import case_review

    return await case_review(info, str(case.id), case.subject)


@strawberry.type(description="One immutable event of the ledger.")
class LedgerEvent:
    position: str
    type: str = strawberry.field(description="The aggregate and event, e.g. Case.Decided.")
    topic: str
    aggregate_id: strawberry.ID
    aggregate_version: int
    occurred_at: datetime
    actor: str
    data: JSON

    @classmethod
    def of(cls, stored: StoredEvent) -> LedgerEvent:
        event = stored.event
        return cls(
            position=str(stored.position), type=type(event).__qualname__,
            topic=f"{type(event).__module__}:{type(event).__qualname__}",
            aggregate_id=strawberry.ID(str(event.originator_id)), aggregate_version=event.originator_version,
            occurred_at=event.occurred_at, actor=event.actor, data=event_data(event),
        )


@strawberry.type
class LedgerEventEdge:
    cursor: str
    node: LedgerEvent


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="Events in ledger order; cursors are positions.")
class LedgerEventConnection:
    edges: list[LedgerEventEdge]
    page_info: PageInfo



@strawberry.type
class AppealEdge:
    cursor: str
    node: Appeal


@strawberry.type(description="Appeals in the order they were filed; cursors are positions.")
class AppealConnection:
    edges: list[AppealEdge]
    page_info: PageInfo


@strawberry.type(description="How far a read model is behind the ledger.")
class ProjectionHealth:
    name: str
    position: str
    lag: int = strawberry.field(description="Events behind the ledger head.")


@strawberry.type
class HealthReport:
    head: str
    projections: list[ProjectionHealth]


@strawberry.type(description="A checkpoint of the ledger chain: its hash at a position, signed with HMAC-SHA256.")
class LedgerCheckpoint:
    position: str
    chain_hash: str
    signed_at: datetime
    key_id: str = strawberry.field(description="A public fingerprint of the key that signed it.")
    signature: str


@strawberry.type(description="Tamper evidence: how far the ledger's hash chain has reached, and its latest checkpoint.")
class LedgerIntegrity:
    chain_position: str = strawberry.field(description="The newest ledger position the chain covers.")
    latest_checkpoint: LedgerCheckpoint | None
    signature_valid: bool | None = strawberry.field(
        description="Whether the latest checkpoint's signature validates with this server's key; null without a key. "
        "Run `docket verify` to check every event against the chain."
    )


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


@strawberry.type(description="One ledger event of an audit trail: what it touched and, in a line, what happened.")
class AuditEntry:
    position: str
    type: str = strawberry.field(description="The aggregate and event, e.g. Case.Decided.")
    aggregate_id: strawberry.ID
    occurred_at: datetime
    actor: str
    domain: str | None
    account_id: str | None
    subject: Subject | None
    summary: str

    @classmethod
    def of_row(cls, row: AuditEntryRow) -> AuditEntry:
        subject = row.subject
        return cls(
            position=str(row.position), type=row.type, aggregate_id=strawberry.ID(row.stream_id),
            occurred_at=row.occurred_at, actor=row.actor, domain=row.domain, account_id=row.account_id,
            subject=None if subject is None else Subject.of(subject), summary=row.summary,
        )


@strawberry.type
class AuditEntryEdge:
    cursor: str
    node: AuditEntry


@strawberry.type(description="A subject's or an account's events in ledger order; cursors are positions.")
class AuditTrailConnection:
    edges: list[AuditEntryEdge]
    page_info: PageInfo

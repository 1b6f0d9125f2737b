"""GraphQL types of the ledger's records: policies, detections, decisions, strikes, standing and appeals."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.graphql.core.context import Info
from app.graphql.core.values import Action, Content, PageInfo, Subject
from domain.appeal import AppealStatus
from domain.confirmation import ConfirmationRule as DomainConfirmationRule
from domain.confirmation import ConfirmationStatus
from domain.levels import PenaltyKind, StandingLevel
from domain.standing import DomainStanding as DomainStandingValue
from domain.standing import Penalty as DomainPenalty
from domain.standing import Standing as DomainStandingTotal
from domain.standing import Strike as DomainStrike
from domain.values import (
    ActionType,
    AutomationLevel,
    ContentType,
    DetectionSource,
    DsaGround,
    Outcome,
    Severity,
)
from projections.action_confirmations.queries import decision_confirmations
from projections.action_confirmations.rows import ConfirmationRow
from projections.appeals.rows import AppealRow
from projections.case_status.rows import DecisionRow, DetectionRow
from projections.policy_catalog.rows import PolicyRow


@strawberry.type(
    description="Systems that must confirm that they applied an action of the policy's decisions, and undid it once "
    "a decision is reversed, within as many minutes."
)
class ConfirmationRule:
    action: ActionType
    systems: list[str]
    within_minutes: int

    @classmethod
    def of(cls, rule: DomainConfirmationRule) -> ConfirmationRule:
        return cls(action=rule.action, systems=list(rule.systems), within_minutes=rule.within_minutes)


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
    confirmations: list[ConfirmationRule] = strawberry.field(
        description="Which systems must confirm which actions of a decision under it, and how soon."
    )
    retired: bool
    position: str | None = strawberry.field(description="The ledger position of the write, on mutation results.")

    @classmethod
    def of_row(cls, row: PolicyRow, position: int | None = None) -> Policy:
        """The policy of a catalog row; `position` that of the write a mutation answers with."""
        terms = row.terms
        return cls(
            domain=row.domain, key=row.key, version=row.version, title=terms.title, text=terms.text,
            severity=terms.severity, strike_points=terms.strike_points, allowed_actions=list(terms.allowed_actions),
            dsa_category=terms.dsa_category, dsa_ground=terms.dsa_ground, zero_tolerance=terms.zero_tolerance,
            confirmations=[ConfirmationRule.of(r) for r in terms.confirmations], retired=row.retired,
            position=None if position is None else str(position),
        )


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
    evidence: JSON | None = strawberry.field(
        description="What the detector saw, as it sent it; null for detections projected before it was kept."
    )

    @classmethod
    def of_row(cls, row: DetectionRow) -> Detection:
        return cls(
            id=strawberry.ID(row.detection_id), policy=row.policy_key, policy_version=row.policy_version,
            source=DetectionSource(row.source), external_id=row.external_id, confidence=row.confidence,
            model=row.model, content_type=ContentType(row.content_type), content=Content.of(row.content),
            automated=row.automated, detected_at=row.detected_at, position=str(row.position),
            evidence=None if row.evidence is None else JSON(row.evidence),
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


@strawberry.type(
    description="One system's confirmation of one action of a decision: awaited (PENDING), APPLIED, undone after a "
    "reversal (REVERSED), or OVERDUE."
)
class ActionConfirmation:
    decision_id: strawberry.ID
    action: ActionType
    system: str
    status: ConfirmationStatus = strawberry.field(description="As of now.")
    due_at: datetime | None = strawberry.field(
        description="When the confirmation awaited falls due: the application's, or once the decision was reversed "
        "the undoing's; null when none is awaited (or the decision was superseded before it was applied)."
    )
    applied_at: datetime | None = strawberry.field(description="When the system says it applied the action.")
    external_ref: str | None = strawberry.field(description="The system's reference for the application.")
    reversed_at: datetime | None = strawberry.field(description="When the system says it undid the action.")
    reversal_external_ref: str | None
    subject: Subject
    account_id: str | None
    policy: str
    position: str | None = strawberry.field(description="The ledger position of the write, on mutation results.")

    @classmethod
    def of_row(cls, row: ConfirmationRow, now: datetime, position: int | None = None) -> ActionConfirmation:
        o = row.obligation
        return cls(
            decision_id=strawberry.ID(str(o.decision_id)), action=o.action, system=o.system, status=o.status(now),
            due_at=o.due_at, applied_at=o.applied_at, external_ref=o.applied_ref, reversed_at=o.reversed_at,
            reversal_external_ref=o.reversal_ref, subject=Subject.of(row.subject), account_id=row.account_id,
            policy=row.policy_key, position=None if position is None else str(position),
        )


@strawberry.type
class ActionConfirmationEdge:
    cursor: str
    node: ActionConfirmation


@strawberry.type(description="Overdue confirmations, longest overdue first; cursors are opaque.")
class ActionConfirmationConnection:
    edges: list[ActionConfirmationEdge]
    page_info: PageInfo


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
    owed: strawberry.Private[list[ConfirmationRow] | None] = None
    """Set on a mutation's answer: the confirmations as the case that answers holds them."""

    @strawberry.field(
        description="Each action per system that must confirm it, as its policy said when the decision was made, "
        "as things stand now."
    )
    async def confirmations(self, info: Info) -> list[ActionConfirmation]:
        rows = self.owed
        if rows is None:
            rows = await info.context.loaders.of(decision_confirmations).load(str(self.id))
        now = info.context.runtime.ledger.clock()
        return [ActionConfirmation.of_row(r, now) for r in rows or []]

    @classmethod
    def of_row(
        cls, row: DecisionRow, strike: DomainStrike | None, owed: list[ConfirmationRow] | None = None
    ) -> Decision:
        return cls(
            id=strawberry.ID(row.decision_id), policy=row.policy_key, policy_version=row.policy_version,
            outcome=Outcome(row.outcome), actions=[Action.of(a) for a in row.actions], rationale=row.rationale,
            detection_ids=[strawberry.ID(i) for i in row.detection_ids], content=Content.of(row.content),
            automation=AutomationLevel(row.automation), dsa_category=row.dsa_category,
            dsa_ground=DsaGround(row.dsa_ground), live=row.live,
            superseded_by=None if row.superseded_by is None else strawberry.ID(row.superseded_by),
            supersedes=None if row.supersedes is None else strawberry.ID(row.supersedes),
            decided_at=row.decided_at, decided_by=row.decided_by,
            strike=None if strike is None else Strike.of(strike), position=str(row.position),
            reversed_at=row.reversed_at, reversal_reason=row.reversal_reason,
            batch_id=None if row.batch_id is None else strawberry.ID(row.batch_id), owed=owed,
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
        description="When it ends as things stand; null: until lifted. "
        "One that lasts while points hold ends as strikes expire."
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
            id=strawberry.ID(row.appeal_id), decision_id=strawberry.ID(row.decision_id),
            subject=Subject.of(row.subject),
            account_id=row.account_id, policy=row.policy_key, statement=row.statement, status=AppealStatus(row.status),
            filed_at=row.filed_at, filed_by=row.filed_by, window_ends_at=row.window_ends_at,
            resolved_at=row.resolved_at, resolved_by=row.resolved_by, rationale=row.rationale,
            position=str(row.position),
        )


@strawberry.type
class AppealEdge:
    cursor: str
    node: Appeal


@strawberry.type(description="Appeals in the order they were filed; cursors are positions.")
class AppealConnection:
    edges: list[AppealEdge]
    page_info: PageInfo

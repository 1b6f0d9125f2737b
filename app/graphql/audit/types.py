"""GraphQL types of the ledger as auditors read it: events, audit trails, health and integrity."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.fanout.envelope import Envelope
from app.graphql.core.values import PageInfo, Subject
from app.read.failures import ProjectionFailure as FailureRow
from projections.audit_trail.rows import AuditEntryRow


def _id(root: LedgerEvent) -> strawberry.ID:
    return strawberry.ID(root.envelope.id)


def _occurred_at(root: LedgerEvent) -> datetime:
    return root.envelope.occurred_at


def _actor(root: LedgerEvent) -> str:
    actor: str = root.envelope.data["actor"]
    return actor


def _subject(root: LedgerEvent) -> Subject | None:
    subject = root.envelope.subject
    return None if subject is None else Subject.of(subject)


def _data(root: LedgerEvent) -> JSON:
    return JSON(root.envelope.data)


@strawberry.type(
    description="One immutable event of the ledger, with what its CloudEvents envelope says of it (README, Consuming "
    "events): the same id, domain, subject, account and chain hash reach every consumer."
)
class LedgerEvent:
    """An event's envelope as GraphQL answers it. What costs a hash or decoding the stored event (its id, time, actor,
    subject and data) is resolved only when a query selects it: a page of types and aggregates opens no event."""

    envelope: strawberry.Private[Envelope]
    id: strawberry.ID = strawberry.field(
        resolver=_id,
        description="The event's id: its CloudEvents `id` and its NATS `Nats-Msg-Id`, the same through every channel.",
    )
    position: str
    type: str = strawberry.field(description="The aggregate and event, e.g. Case.Decided.")
    topic: str
    aggregate_id: strawberry.ID
    aggregate_version: int
    occurred_at: datetime = strawberry.field(resolver=_occurred_at)
    actor: str = strawberry.field(resolver=_actor)
    domain: str | None = strawberry.field(
        description="The domain the event touches; null for an event of no domain (a reporter's, the routing table's)."
    )
    subject: Subject | None = strawberry.field(
        resolver=_subject, description="The enforced subject the event touches, if any."
    )
    account_id: str | None = strawberry.field(
        description="The account the event touches: its own, or its case's or appeal's as known at its position."
    )
    chain_hash: str = strawberry.field(description="The ledger chain's hash at the event's position (tamper evidence).")
    data: JSON = strawberry.field(resolver=_data)

    @classmethod
    def of(cls, envelope: Envelope) -> LedgerEvent:
        stored = envelope.stored
        return cls(
            envelope=envelope, position=str(envelope.position), type=envelope.event_type, topic=envelope.topic,
            aggregate_id=strawberry.ID(str(stored.originator_id)), aggregate_version=stored.originator_version,
            domain=envelope.domain, account_id=envelope.account_id, chain_hash=envelope.chain_hash,
        )


@strawberry.type
class LedgerEventEdge:
    cursor: str
    node: LedgerEvent


@strawberry.type(description="Events in ledger order; cursors are positions.")
class LedgerEventConnection:
    edges: list[LedgerEventEdge]
    page_info: PageInfo


@strawberry.type(
    description="An event a read model cannot apply: it stopped just before it, tries it again with backoff, and "
    "answers UNAVAILABLE until it applies it or an operator skips it (`docket projections`)."
)
class ProjectionFailure:
    position: str = strawberry.field(description="The ledger position of the event.")
    event_type: str
    error: str = strawberry.field(description="What applying it raised: the error's type and message.")
    since: datetime = strawberry.field(description="When it first failed there.")
    last_attempt_at: datetime
    attempts: int

    @classmethod
    def of(cls, failure: FailureRow) -> ProjectionFailure:
        return cls(
            position=str(failure.position), event_type=failure.event_type, error=failure.raised,
            since=failure.first_seen, last_attempt_at=failure.last_seen, attempts=failure.attempts,
        )


@strawberry.type(description="How far a read model is behind the ledger, and why it stopped if it has.")
class ProjectionHealth:
    name: str
    position: str
    lag: int = strawberry.field(description="Events behind the ledger head.")
    failure: ProjectionFailure | None = strawberry.field(description="Set while it is stopped.")


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

"""GraphQL types of webhooks, their deliveries and attempts."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.fanout.webhooks.commands import WebhookWritten
from app.fanout.webhooks.outbox import Attempt, Delivery, DeliveryStatus
from app.graphql.core.values import PageInfo
from domain.webhook import Webhook as DomainWebhook
from domain.webhook import WebhookFilter as DomainFilter
from projections.webhooks.rows import WebhookRow, webhook_row

strawberry.enum(DeliveryStatus, description="PENDING: to be tried (again); DELIVERED: a 2xx came back; DEAD: every "
                "attempt failed, or the endpoint answered 410: the dead-letter list, which `redeliver` empties.")


@strawberry.type(description="Which events an endpoint is sent; an empty list selects every one.")
class WebhookFilter:
    domains: list[str]
    event_types: list[str] = strawberry.field(description="Event types as `events` names them: `Case.Decided`.")

    @classmethod
    def of(cls, value: DomainFilter) -> WebhookFilter:
        return cls(domains=list(value.domains), event_types=list(value.event_types))


@strawberry.type(description="An endpoint sent the ledger's events, signed (Standard Webhooks).")
class Webhook:
    id: strawberry.ID
    url: str
    filter: WebhookFilter
    description: str
    enabled: bool
    disabled_reason: str | None = strawberry.field(description="Why it is disabled: an operator's reason, a 410, or "
                                                   "days of failures.")
    secret_version: int = strawberry.field(description="The version of the secret that signs for it now.")
    secret_fingerprint: str = strawberry.field(description="The start of the SHA-256 of that secret's bytes: which "
                                               "secret it is, never the secret.")
    created_at: datetime
    created_by: str
    position: str = strawberry.field(description="The ledger position of its latest change.")

    @classmethod
    def of_row(cls, row: WebhookRow) -> Webhook:
        return cls(
            id=strawberry.ID(row.webhook_id), url=row.url, filter=WebhookFilter.of(row.filter),
            description=row.description, enabled=row.enabled, disabled_reason=row.disabled_reason,
            secret_version=row.secret_version, secret_fingerprint=row.secret_fingerprint, created_at=row.created_at,
            created_by=row.created_by, position=str(row.position),
        )

    @classmethod
    def of_written(cls, written: WebhookWritten) -> Webhook:
        return cls.of_row(webhook_row(written.webhook, written.position, written.position))

    @classmethod
    def of_aggregate(cls, webhook: DomainWebhook, position: int) -> Webhook:
        return cls.of_row(webhook_row(webhook, position, position))


@strawberry.type(description="A new webhook and its signing secret, which no other answer ever shows: keep it.")
class CreatedWebhook:
    webhook: Webhook
    secret: str = strawberry.field(description="`whsec_` and the secret's bytes in base64, as the standardwebhooks "
                                   "libraries take it.")
    position: str


@strawberry.type(description="The new signing secret, which no other answer ever shows.")
class RotatedWebhookSecret:
    webhook: Webhook
    secret: str
    previous_secret_expires_at: datetime = strawberry.field(description="Until then both secrets sign every call.")
    position: str


@strawberry.type
class Redelivered:
    count: int = strawberry.field(description="Dead-lettered deliveries put back to be tried now.")


@strawberry.type(description="One attempt to deliver an event.")
class WebhookAttempt:
    attempt: int
    attempted_at: datetime
    status_code: int | None = strawberry.field(description="None when no answer came: see `error`.")
    latency_ms: float
    response_excerpt: str | None = strawberry.field(description="The start of the answer's body (1,024 bytes).")
    error: str | None
    next_attempt_at: datetime | None = strawberry.field(description="When it is tried again; None when it is not.")

    @classmethod
    def of(cls, a: Attempt) -> WebhookAttempt:
        return cls(attempt=a.attempt, attempted_at=a.attempted_at, status_code=a.status_code,
                   latency_ms=a.latency_ms, response_excerpt=a.response_excerpt, error=a.error,
                   next_attempt_at=a.next_attempt_at)


@strawberry.type(description="An event to be sent to an endpoint, and every attempt so far.")
class WebhookDelivery:
    event_id: strawberry.ID = strawberry.field(description="The event's id, sent as `webhook-id`.")
    position: str
    event_type: str
    subject: str | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    enqueued_at: datetime
    finished_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    log: list[WebhookAttempt]

    @classmethod
    def of(cls, d: Delivery, attempts: list[Attempt]) -> WebhookDelivery:
        return cls(
            event_id=strawberry.ID(d.event_id), position=str(d.position), event_type=d.event_type,
            subject=d.subject_key or None, status=d.status, attempts=d.attempts, next_attempt_at=d.next_attempt_at,
            enqueued_at=d.enqueued_at, finished_at=d.finished_at, last_status_code=d.last_status_code,
            last_error=d.last_error, log=[WebhookAttempt.of(a) for a in attempts],
        )


@strawberry.type
class WebhookDeliveryEdge:
    cursor: str
    node: WebhookDelivery


@strawberry.type
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge]
    page_info: PageInfo

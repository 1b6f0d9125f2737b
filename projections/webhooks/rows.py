"""Rows of the webhooks read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.webhook import Webhook, WebhookFilter
from projections.values import utc


@dataclass(frozen=True)
class WebhookRow:
    webhook_id: str
    url: str
    filter: WebhookFilter
    description: str
    enabled: bool
    disabled_reason: str | None
    secret_version: int
    secret_fingerprint: str
    created_at: datetime
    created_by: str
    created_position: int
    """Events after this position are sent to it."""
    position: int
    """The position of its latest change."""


def webhook_row(webhook: Webhook, created_position: int, position: int) -> WebhookRow:
    """The read model's row of a webhook, as the ledger's aggregate holds it."""
    return WebhookRow(
        webhook_id=str(webhook.id), url=webhook.url, filter=webhook.filter, description=webhook.description,
        enabled=webhook.enabled, disabled_reason=webhook.disabled_reason, secret_version=webhook.secret_version,
        secret_fingerprint=webhook.secret_fingerprint, created_at=utc(webhook.created_at),
        created_by=webhook.created_by, created_position=created_position, position=position,
    )

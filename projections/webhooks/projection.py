"""Keeps every webhook as its events leave it."""

from __future__ import annotations

import json

from domain.webhook import Webhook
from projections.base import Projection, started
from projections.batch import Batch, Table
from projections.sql import Sql
from projections.webhooks.rows import webhook_row

WEBHOOKS = Table(
    "webhooks",
    key=("webhook_id",),
    columns=(
        "webhook_id", "url", "domains", "event_types", "description", "enabled", "disabled_reason", "secret_version",
        "secret_fingerprint", "created_at", "created_by", "created_position", "position",
    ),
    times=("created_at",),
    flags=("enabled",),
)


class WebhooksProjection(Projection):
    name = "webhooks"
    tables = ("webhooks",)
    event_types = (Webhook.Created, Webhook.SecretRotated, Webhook.Disabled, Webhook.Enabled)

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        webhooks = WEBHOOKS.rows()
        webhooks.fetch(sql, [(str(e.originator_id),) for _, e in events if not isinstance(e, Webhook.Created)])
        for position, event in events:
            key = (str(event.originator_id),)
            if isinstance(event, Webhook.Created):
                row = webhook_row(started(Webhook, event), position, position)
                webhooks.add({
                    "webhook_id": row.webhook_id, "url": row.url, "domains": json.dumps(row.filter.domains),
                    "event_types": json.dumps(row.filter.event_types), "description": row.description,
                    "enabled": row.enabled, "disabled_reason": row.disabled_reason,
                    "secret_version": row.secret_version, "secret_fingerprint": row.secret_fingerprint,
                    "created_at": row.created_at, "created_by": row.created_by, "created_position": position,
                    "position": position,
                })
            elif isinstance(event, Webhook.SecretRotated):
                webhooks.update(
                    key, secret_version=event.secret_version, secret_fingerprint=event.secret_fingerprint,
                    position=position,
                )
            elif isinstance(event, Webhook.Disabled):
                webhooks.update(key, enabled=False, disabled_reason=event.reason, position=position)
            elif isinstance(event, Webhook.Enabled):
                webhooks.update(key, enabled=True, disabled_reason=None, position=position)
        webhooks.write(sql)

"""Reads of the webhooks read model."""

from __future__ import annotations

import json
from typing import Any

from domain.webhook import WebhookFilter
from projections.sql import Sql
from projections.values import utc
from projections.webhooks.rows import WebhookRow

_COLUMNS = """webhook_id, url, domains, event_types, description, enabled, disabled_reason, secret_version,
secret_fingerprint, created_at, created_by, created_position, position"""


def list_webhooks(sql: Sql) -> list[WebhookRow]:
    """Every webhook, the oldest first."""
    sql.execute(f"SELECT {_COLUMNS} FROM webhooks ORDER BY created_position")
    return [_row(r) for r in sql.fetchall()]


def find_webhook(sql: Sql, webhook_id: str) -> WebhookRow | None:
    sql.execute(f"SELECT {_COLUMNS} FROM webhooks WHERE webhook_id = ?", (webhook_id,))
    found = sql.fetchone()
    return None if found is None else _row(found)


def _row(r: tuple[Any, ...]) -> WebhookRow:
    return WebhookRow(
        webhook_id=r[0], url=r[1], filter=WebhookFilter(tuple(json.loads(r[2])), tuple(json.loads(r[3]))),
        description=r[4], enabled=bool(r[5]), disabled_reason=r[6], secret_version=r[7], secret_fingerprint=r[8],
        created_at=utc(r[9]), created_by=r[10], created_position=r[11], position=r[12],
    )

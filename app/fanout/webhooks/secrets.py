"""The signing secrets of webhooks, kept in a table of their own (`webhook_secrets`), never in the ledger.

A secret cannot be hashed like a token: the deliverer needs it to sign. The ledger is the wrong place for it even
encrypted: every event is sent to every consumer and kept forever, and a leaked key would open every secret ever
issued. In its own table, a replaced secret is deleted once its grace period ends, `docket sql` cannot read it (nor the
analyst role on PostgreSQL), and the ledger keeps only each secret's version and fingerprint for the record.
"""

from __future__ import annotations

import base64
import hashlib
import secrets as random
from datetime import datetime

from projections.sql import Sql

PREFIX = "whsec_"
SECRET_BYTES = 32
"""Standard Webhooks asks for 24 to 64 random bytes."""


def new_secret() -> str:
    """`whsec_` and 32 random bytes in base64, as Standard Webhooks writes a secret."""
    return PREFIX + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode()


def fingerprint(secret: str) -> str:
    """What names a secret on the record without revealing it: the start of the SHA-256 of its bytes."""
    return "sha256:" + hashlib.sha256(base64.b64decode(secret.removeprefix(PREFIX))).hexdigest()[:16]


def keep(sql: Sql, webhook_id: str, version: int, at: datetime) -> str:
    """The secret of `version`, made and kept now unless a try before this one kept it (so a retried command answers
    with the same secret)."""
    found = kept(sql, webhook_id, version)
    if found is not None:
        return found
    secret = new_secret()
    sql.execute(
        "INSERT INTO webhook_secrets (webhook_id, version, secret, created_at) VALUES (?, ?, ?, ?)",
        (webhook_id, version, secret, at),
    )
    return secret


def kept(sql: Sql, webhook_id: str, version: int) -> str | None:
    """The secret of `version`, while it is kept."""
    sql.execute("SELECT secret FROM webhook_secrets WHERE webhook_id = ? AND version = ?", (webhook_id, version))
    found = sql.fetchone()
    return None if found is None else str(found[0])


def expire_before(sql: Sql, webhook_id: str, version: int, at: datetime) -> None:
    """The secrets older than `version` sign until `at` (the earliest of that and any end they had)."""
    sql.execute(
        "UPDATE webhook_secrets SET expires_at = ? WHERE webhook_id = ? AND version < ? "
        "AND (expires_at IS NULL OR expires_at > ?)",
        (at, webhook_id, version, at),
    )


def signing(sql: Sql, webhook_ids: list[str], now: datetime) -> dict[str, list[str]]:
    """The secrets that sign for each webhook now, the newest first; deletes those whose grace period has ended."""
    sql.execute("DELETE FROM webhook_secrets WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,))
    if not webhook_ids:
        return {}
    sql.execute(
        f"SELECT webhook_id, secret FROM webhook_secrets WHERE webhook_id IN ({', '.join('?' * len(webhook_ids))}) "
        "ORDER BY webhook_id, version DESC",
        webhook_ids,
    )
    found: dict[str, list[str]] = {}
    for webhook_id, secret in sql.fetchall():
        found.setdefault(webhook_id, []).append(secret)
    return found

"""What every webhook resolver needs: the commands, and the rule that webhooks span every domain."""

from __future__ import annotations

from app.fanout.webhooks.commands import WebhookCommands
from app.graphql.core.context import Info
from app.graphql.core.errors import NotFoundError


def commands(info: Info) -> WebhookCommands:
    return WebhookCommands(info.context.runtime)


def unscoped(info: Info, webhook_id: object = None) -> NotFoundError | None:
    """Webhooks are sent events of every domain: a principal scoped to some cannot see or manage them."""
    if info.context.principal.scope is None:
        return None
    return NotFoundError(message="no webhooks" if webhook_id is None else f"no webhook {webhook_id}")

"""rotateWebhookSecret, disableWebhook and enableWebhook: changes to a webhook, each an event of it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

import strawberry

from app.fanout.webhooks.commands import WebhookWritten
from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError, attempt, parse_id
from app.graphql.webhooks.access import commands, unscoped
from app.graphql.webhooks.types import RotatedWebhookSecret, Webhook

DEFAULT_GRACE = 24 * 3600


@strawberry.input
class RotateWebhookSecretInput:
    webhook_id: strawberry.ID
    grace_seconds: int = strawberry.field(default=DEFAULT_GRACE, description="How long the replaced secret signs "
                                          "beside the new one (up to 7 days; 24 hours by default).")
    idempotency_key: str | None = strawberry.field(default=None, description="A retry with the same key answers "
                                                   "the same secret and rotates nothing, until another rotation "
                                                   "replaces it (then it is a ConflictError).")


@strawberry.input
class DisableWebhookInput:
    webhook_id: strawberry.ID
    reason: str


@strawberry.input
class EnableWebhookInput:
    webhook_id: strawberry.ID


WebhookResult = Annotated[Webhook | ValidationError | NotFoundError | ConflictError, strawberry.union("WebhookResult")]
RotateWebhookSecretResult = Annotated[
    RotatedWebhookSecret | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RotateWebhookSecretResult"),
]


async def change(info: Info, raw_id: strawberry.ID, command: Callable[..., WebhookWritten], *args: Any) -> Any:
    """Runs a command on one webhook: what it wrote, or the failure to answer."""
    refused = unscoped(info, raw_id)
    if refused is not None:
        return refused
    webhook_id = parse_id(raw_id, "webhookId")
    if not isinstance(webhook_id, UUID):
        return webhook_id
    return await attempt(command, webhook_id, *args, info.context.actor)


@strawberry.type
class ChangeWebhookMutation:
    @strawberry.mutation(description="A new signing secret, answered here only; the one it replaces signs beside it "
                         "for the grace period, so receivers can switch without missing a call.")
    async def rotate_webhook_secret(self, info: Info, input: RotateWebhookSecretInput) -> RotateWebhookSecretResult:
        grace = timedelta(seconds=input.grace_seconds)
        result = await change(info, input.webhook_id, commands(info).rotate_secret, grace, input.idempotency_key)
        if not isinstance(result, WebhookWritten):
            return result
        assert result.secret is not None
        return RotatedWebhookSecret(
            webhook=Webhook.of_written(result), secret=result.secret,
            previous_secret_expires_at=result.webhook.previous_expires_at or result.webhook.created_at,
            position=str(result.position),
        )

    @strawberry.mutation(description="Stops sending to the endpoint; its deliveries wait until it is enabled again.")
    async def disable_webhook(self, info: Info, input: DisableWebhookInput) -> WebhookResult:
        return await _written(change(info, input.webhook_id, commands(info).disable, input.reason))

    @strawberry.mutation(description="Sends to the endpoint again, what waited first.")
    async def enable_webhook(self, info: Info, input: EnableWebhookInput) -> WebhookResult:
        return await _written(change(info, input.webhook_id, commands(info).enable))


async def _written(result: Any) -> Any:
    found = await result
    return Webhook.of_written(found) if isinstance(found, WebhookWritten) else found

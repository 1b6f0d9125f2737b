"""createWebhook: an endpoint to send events to, and its signing secret, answered once."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.fanout.webhooks.commands import WebhookWritten
from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError, attempt
from app.graphql.webhooks.access import commands, unscoped
from app.graphql.webhooks.types import CreatedWebhook, Webhook
from domain.webhook import WebhookFilter


@strawberry.input
class WebhookFilterInput:
    domains: list[str] = strawberry.field(default_factory=list)
    event_types: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class CreateWebhookInput:
    url: str = strawberry.field(description="https:// (plain http only where configured), to a public address.")
    description: str
    filter: WebhookFilterInput | None = None
    idempotency_key: str | None = strawberry.field(default=None, description="A retry with the same key answers "
                                                   "the same webhook (and secret, until it is rotated).")


CreateWebhookResult = Annotated[
    CreatedWebhook | ValidationError | NotFoundError | ConflictError, strawberry.union("CreateWebhookResult")
]


@strawberry.type
class CreateWebhookMutation:
    @strawberry.mutation(description="Registers an endpoint to be sent the events its filter selects, signed with "
                         "the secret answered here, and nowhere else.")
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> CreateWebhookResult:
        refused = unscoped(info)
        if refused is not None:
            return refused
        chosen = input.filter or WebhookFilterInput()
        value = WebhookFilter(tuple(chosen.domains), tuple(chosen.event_types))
        result = await attempt(commands(info).create, input.url, value, input.description, input.idempotency_key,
                               info.context.actor)
        if not isinstance(result, WebhookWritten):
            return result
        assert result.secret is not None
        return CreatedWebhook(webhook=Webhook.of_written(result), secret=result.secret, position=str(result.position))

"""Setting webhooks up: create one (its first secret answered once), rotate its secret, disable and enable it.

The ledger records each change as an event of the webhook; a secret goes to `webhook_secrets` first, in a transaction
of its own, so a command that dies between the two leaves at most a secret nobody was told, which its retry reuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from app.fanout.webhooks import secrets
from app.fanout.webhooks.targets import Targets
from app.runtime.wiring import Runtime
from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.webhook import Webhook, WebhookFilter, check_grace
from projections.audit_trail.projection import event_type_names

PROVISIONAL = "sha256:"
"""The fingerprint a webhook is checked with before its secret exists."""


@dataclass(frozen=True)
class WebhookWritten:
    webhook: Webhook
    position: int
    secret: str | None = None
    """Its signing secret, in the answers of the commands that make one (and of their retries)."""


def no_such_webhook(webhook_id: object) -> NotFoundError:
    return NotFoundError(f"no webhook {webhook_id}")


class WebhookCommands:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.work = runtime.ledger.work
        self.targets = Targets.of(runtime.settings)

    def create(
        self, url: str, filter: WebhookFilter, description: str, idempotency_key: str | None, actor: str
    ) -> WebhookWritten:
        """A new webhook and its first secret; a retry with the same key answers the same, while that secret signs."""
        key = idempotency_key if idempotency_key is not None else str(uuid4())
        unknown = sorted(set(filter.event_types) - event_type_names())
        if unknown:
            raise ValidationError(f"unknown event types: {', '.join(unknown)}", "filter.eventTypes")
        Webhook.create(url, filter, description, PROVISIONAL, key, actor, self.work.clock())  # checks, records nothing
        self.targets.check(url)
        webhook_id = Webhook.create_id(key)

        def attempt() -> WebhookWritten:
            existing = self.work.find(Webhook, webhook_id)
            if existing is not None:
                if not existing.same_setup(url, filter, description):
                    raise ConflictError(f"idempotency key {key!r} already created webhook {webhook_id} to another url, "
                                        "filter or description")
                return WebhookWritten(existing, self.work.head(), self._current_secret(existing))
            now = self.work.clock()
            secret = self._keep(webhook_id, 1, None)
            webhook = Webhook.create(url, filter, description, secrets.fingerprint(secret), key, actor, now)
            return WebhookWritten(webhook, self.work.store(webhook), secret)

        return self.work.retrying(attempt)

    def rotate_secret(
        self, webhook_id: UUID, grace: timedelta, idempotency_key: str | None, actor: str
    ) -> WebhookWritten:
        """A new secret signs from now on, beside the one it replaces for `grace`. A retry under the same key
        answers the same secret and records nothing, while that secret signs; once another rotation has replaced
        it, the retry is a conflict."""
        check_grace(grace)

        def attempt() -> WebhookWritten:
            webhook = self.get(webhook_id)
            done = None if idempotency_key is None else webhook.rotated_under(idempotency_key)
            if done is not None:
                return WebhookWritten(webhook, self.work.head(), self._rotated_secret(webhook, done))
            now = self.work.clock()
            secret = self._keep(webhook_id, webhook.secret_version + 1, now + grace)
            webhook.rotate_secret(secrets.fingerprint(secret), grace, idempotency_key, actor, now)
            return WebhookWritten(webhook, self.work.store(webhook), secret)

        return self.work.retrying(attempt)

    def disable(self, webhook_id: UUID, reason: str, actor: str) -> WebhookWritten:
        def attempt() -> WebhookWritten:
            webhook = self.get(webhook_id)
            webhook.disable(reason, actor, self.work.clock())
            return WebhookWritten(webhook, self.work.store(webhook))

        return self.work.retrying(attempt)

    def enable(self, webhook_id: UUID, actor: str) -> WebhookWritten:
        def attempt() -> WebhookWritten:
            webhook = self.get(webhook_id)
            webhook.enable(actor, self.work.clock())
            return WebhookWritten(webhook, self.work.store(webhook))

        return self.work.retrying(attempt)

    def get(self, webhook_id: UUID) -> Webhook:
        webhook = self.work.aggregate(webhook_id)
        if not isinstance(webhook, Webhook):
            raise no_such_webhook(webhook_id)
        return webhook

    def _keep(self, webhook_id: UUID, version: int, older_expire_at: datetime | None) -> str:
        """The secret of `version` (made unless kept already); the older ones stop signing at `older_expire_at`."""
        now = self.work.clock()
        with self.runtime.store.transaction() as sql:
            secret = secrets.keep(sql, str(webhook_id), version, now)
            if older_expire_at is not None:
                secrets.expire_before(sql, str(webhook_id), version, older_expire_at)
        return secret

    def _rotated_secret(self, webhook: Webhook, version: int) -> str:
        """The secret a retried rotation answers with: the one it made, while no later rotation has replaced it."""
        with self.runtime.store.transaction(write=False) as sql:
            secret = secrets.kept(sql, str(webhook.id), version) if version == webhook.secret_version else None
        if secret is None:
            raise ConflictError(f"the rotation under this idempotency key made secret version {version} of webhook "
                                f"{webhook.id}, which a later rotation has replaced")
        return secret

    def _current_secret(self, webhook: Webhook) -> str | None:
        """The secret a retried create answers with: the first, while no rotation has replaced it."""
        if webhook.secret_version != 1:
            return None
        return self._keep(webhook.id, 1, None)

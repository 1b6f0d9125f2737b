"""Webhook: an HTTPS endpoint of another team's that is sent the ledger's events, signed, as they happen.

The ledger records what an operator set up and changed (the target, the filter, each signing secret's version and
fingerprint, being disabled and enabled again), never a secret itself: every event of the ledger reaches consumers,
the relay's stream and auditors, and a secret in one would be handed to all of them forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.errors import ConflictError, ValidationError
from domain.values import check_identifier, check_name, check_text

MAX_URL = 2_000
MAX_DESCRIPTION = 2_000
MAX_REASON = 2_000
MAX_FILTER_VALUES = 100
MAX_GRACE = timedelta(days=7)
"""The longest a replaced secret may go on signing beside its successor."""


@dataclass(frozen=True)
class WebhookFilter:
    """Which events an endpoint is sent: those of any of `domains` and of any of `event_types` (empty: any)."""

    domains: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()

    def check(self) -> WebhookFilter:
        for field, values in (("filter.domains", self.domains), ("filter.eventTypes", self.event_types)):
            if len(values) > MAX_FILTER_VALUES:
                raise ValidationError(f"{field} takes at most {MAX_FILTER_VALUES} values", field)
        for domain in self.domains:
            check_name(domain, "filter.domains")
        for event_type in self.event_types:
            check_identifier(event_type, "filter.eventTypes")
        return WebhookFilter(tuple(dict.fromkeys(self.domains)), tuple(dict.fromkeys(self.event_types)))

    def selects(self, domain: str | None, event_type: str) -> bool:
        """Whether an event of `domain` (None: of no domain) and `event_type` (`Case.Decided`) is sent."""
        return (not self.domains or domain in self.domains) and (
            not self.event_types or event_type in self.event_types
        )


def check_grace(grace: timedelta) -> timedelta:
    """How long a replaced secret signs beside its successor: from nothing to MAX_GRACE."""
    if not timedelta(0) <= grace <= MAX_GRACE:
        raise ValidationError(f"graceSeconds must be from 0 to {int(MAX_GRACE.total_seconds())}", "graceSeconds")
    return grace


class Webhook(DocketAggregate):
    """An endpoint, its filter, the version of the secret that signs for it, and whether it is sent anything."""

    if TYPE_CHECKING:
        url: str
        filter: WebhookFilter
        description: str
        secret_version: int
        secret_fingerprint: str
        previous_expires_at: datetime | None
        enabled: bool
        disabled_reason: str | None
        created_at: datetime
        created_by: str
        rotations: dict[str, int]
        """The secret version each rotation that named an idempotency key made, by key."""

    @staticmethod
    def create_id(idempotency_key: str) -> UUID:
        return natural_id("webhook", idempotency_key)

    class Created(DocketAggregate.Created):
        url: str
        domains: list[str]
        event_types: list[str]
        description: str
        secret_fingerprint: str
        idempotency_key: str

        def apply(self, webhook: Webhook) -> None:
            webhook.url = self.url
            webhook.filter = WebhookFilter(tuple(self.domains), tuple(self.event_types))
            webhook.description = self.description
            webhook.secret_version = 1
            webhook.secret_fingerprint = self.secret_fingerprint
            webhook.previous_expires_at = None
            webhook.enabled = True
            webhook.disabled_reason = None
            webhook.created_at = self.occurred_at
            webhook.created_by = self.actor
            webhook.rotations = {}

    class SecretRotated(DocketAggregate.Event):
        secret_version: int
        secret_fingerprint: str
        previous_expires_at: datetime
        """Until when the replaced secret signs beside the new one."""
        idempotency_key: str | None = None
        """What a retry of the rotation names, so that it answers the same secret rather than rotating again."""

        def apply(self, webhook: Webhook) -> None:
            webhook.secret_version = self.secret_version
            webhook.secret_fingerprint = self.secret_fingerprint
            webhook.previous_expires_at = self.previous_expires_at
            if self.idempotency_key is not None:
                webhook.rotations[self.idempotency_key] = self.secret_version

    class Disabled(DocketAggregate.Event):
        reason: str

        def apply(self, webhook: Webhook) -> None:
            webhook.enabled = False
            webhook.disabled_reason = self.reason

    class Enabled(DocketAggregate.Event):
        def apply(self, webhook: Webhook) -> None:
            webhook.enabled = True
            webhook.disabled_reason = None

    @classmethod
    def create(
        cls, url: str, filter: WebhookFilter, description: str, secret_fingerprint: str, idempotency_key: str,
        actor: str, at: datetime,
    ) -> Webhook:
        """`url` is checked as a target by the caller, who can resolve its host."""
        check_identifier(idempotency_key, "idempotencyKey")
        check_text(url, "url", MAX_URL)
        checked = filter.check()
        return cls._start(
            cls.Created, cls.create_id(idempotency_key), actor, at, url=url, domains=list(checked.domains),
            event_types=list(checked.event_types),
            description=check_text(description, "description", MAX_DESCRIPTION), secret_fingerprint=secret_fingerprint,
            idempotency_key=idempotency_key,
        )

    def same_setup(self, url: str, filter: WebhookFilter, description: str) -> bool:
        """Whether a retry under this webhook's idempotency key asks for what it was created with."""
        return (self.url, self.filter, self.description) == (url, filter.check(), description)

    def rotate_secret(
        self, fingerprint: str, grace: timedelta, idempotency_key: str | None, actor: str, at: datetime
    ) -> None:
        """A new secret signs from now on; the one it replaces signs beside it for `grace`. A key a rotation before
        named is refused: its retry is answered by `rotated_under`, and records nothing."""
        check_grace(grace)
        if idempotency_key is not None and self.rotated_under(idempotency_key) is not None:
            raise ConflictError(f"idempotency key {idempotency_key!r} already rotated webhook {self.id}'s secret")
        self._record(
            self.SecretRotated, actor, at, secret_version=self.secret_version + 1, secret_fingerprint=fingerprint,
            previous_expires_at=at + grace, idempotency_key=idempotency_key,
        )

    def rotated_under(self, idempotency_key: str) -> int | None:
        """The secret version the rotation under `idempotency_key` made, if one did."""
        check_identifier(idempotency_key, "idempotencyKey")
        return self.rotations.get(idempotency_key)

    def disable(self, reason: str, actor: str, at: datetime) -> None:
        """Stops its deliveries (they wait); disabling a disabled webhook records nothing."""
        check_text(reason, "reason", MAX_REASON)
        if self.enabled:
            self._record(self.Disabled, actor, at, reason=reason)

    def enable(self, actor: str, at: datetime) -> None:
        """Its deliveries go on, those that waited first; enabling an enabled webhook records nothing."""
        if not self.enabled:
            self._record(self.Enabled, actor, at)

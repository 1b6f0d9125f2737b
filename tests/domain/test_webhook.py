"""The Webhook aggregate: its filter, secret rotations within bounds, and disabling and enabling recorded once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import ConflictError, ValidationError
from domain.webhook import MAX_GRACE, Webhook, WebhookFilter
from tests.domain.factories import T0, at


def webhook(**filter: tuple[str, ...]) -> Webhook:
    return Webhook.create("https://8.8.8.8/hook", WebhookFilter(**filter), "Search", "sha256:1", "k", "admin:ann", T0)


def test_an_empty_filter_selects_every_event_and_a_filter_only_what_it_names() -> None:
    assert WebhookFilter().selects(None, "Reporter.Warned")
    chosen = WebhookFilter(("ads",), ("Case.Decided",))
    assert chosen.selects("ads", "Case.Decided")
    assert not chosen.selects("ads", "Case.Opened")
    assert not chosen.selects("trust_safety", "Case.Decided")
    assert not chosen.selects(None, "Case.Decided")


def test_a_filter_names_domains_and_event_types_once_each() -> None:
    hook = webhook(domains=("ads", "ads"), event_types=("Case.Decided", "Case.Decided"))
    assert hook.filter == WebhookFilter(("ads",), ("Case.Decided",))
    with pytest.raises(ValidationError) as refused:
        webhook(domains=("Ads",))
    assert refused.value.field == "filter.domains"


def test_a_rotation_moves_the_version_on_and_keeps_the_old_secret_for_its_grace_only_within_bounds() -> None:
    hook = webhook()
    hook.rotate_secret("sha256:2", timedelta(hours=1), None, "admin:ann", at(5))
    assert (hook.secret_version, hook.secret_fingerprint, hook.previous_expires_at) == (
        2, "sha256:2", at(65))
    for grace in (timedelta(seconds=-1), MAX_GRACE + timedelta(seconds=1)):
        with pytest.raises(ValidationError):
            hook.rotate_secret("sha256:3", grace, None, "admin:ann", at(6))
    assert hook.secret_version == 2


def test_a_rotation_remembers_its_key_and_refuses_a_second_under_it() -> None:
    hook = webhook()
    hook.rotate_secret("sha256:2", timedelta(hours=1), "rotate-1", "admin:ann", at(5))
    hook.rotate_secret("sha256:3", timedelta(hours=1), None, "admin:ann", at(6))
    assert (hook.rotated_under("rotate-1"), hook.rotated_under("rotate-2")) == (2, None)
    with pytest.raises(ConflictError):
        hook.rotate_secret("sha256:4", timedelta(hours=1), "rotate-1", "admin:ann", at(7))
    with pytest.raises(ValidationError) as refused:
        hook.rotate_secret("sha256:4", timedelta(hours=1), "not a key", "admin:ann", at(7))
    assert (refused.value.field, hook.secret_version) == ("idempotencyKey", 3)


def test_disabling_and_enabling_record_a_change_only() -> None:
    hook = webhook()
    hook.collect_events()
    hook.enable("admin:ann", at(1))
    hook.disable("Gone.", "service:docket-deliver", at(2))
    hook.disable("Again.", "admin:ann", at(3))
    hook.enable("admin:ann", at(4))
    assert [type(e).__name__ for e in hook.collect_events()] == ["Disabled", "Enabled"]
    assert (hook.enabled, hook.disabled_reason) == (True, None)

"""The webhooks read model: every endpoint as its events leave it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from app.read.store import ReadStore
from domain.webhook import Webhook, WebhookFilter
from projections.webhooks.projection import WebhooksProjection
from projections.webhooks.queries import find_webhook, list_webhooks
from tests.domain.factories import T0, at
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_one_and_many


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, WebhooksProjection())


def webhook(n: int = 1, **filter: tuple[str, ...]) -> Webhook:
    return Webhook.create(f"https://8.8.8.8/{n}", WebhookFilter(**filter), "Search", f"sha256:{n:016x}", f"k-{n}",
                          "admin:ann", T0)


def test_a_created_webhook_is_listed_enabled_with_its_filter_and_where_it_starts(feed: Feed) -> None:
    position = feed.save(webhook(domains=("ads",), event_types=("Case.Decided",)))

    [row] = feed.read(list_webhooks)

    assert (row.url, row.filter, row.enabled, row.secret_version) == (
        "https://8.8.8.8/1", WebhookFilter(("ads",), ("Case.Decided",)), True, 1)
    assert (row.created_at, row.created_by, row.created_position, row.position) == (T0, "admin:ann", position, position)


def test_rotations_and_disabling_show_on_the_row(feed: Feed) -> None:
    hook = webhook()
    created = feed.save(hook)
    hook.rotate_secret("sha256:" + "a" * 16, timedelta(hours=1), None, "admin:ann", at(1))
    hook.disable("Gone.", "service:docket-deliver", at(2))
    last = feed.save(hook)

    row = feed.read(find_webhook, str(hook.id))

    assert row is not None
    assert (row.secret_version, row.secret_fingerprint, row.enabled, row.disabled_reason) == (
        2, "sha256:" + "a" * 16, False, "Gone.")
    assert (row.created_position, row.position) == (created, last)
    hook.enable("admin:ann", at(3))
    feed.save(hook)
    again = feed.read(find_webhook, str(hook.id))
    assert again is not None and (again.enabled, again.disabled_reason) == (True, None)


def _work(items: range) -> Sequence[object]:
    """Each webhook created, rotated, disabled and enabled again."""
    events: list[object] = []
    for n in items:
        hook = webhook(n)
        hook.rotate_secret("sha256:" + "b" * 16, timedelta(0), None, "admin:ann", at(1))
        hook.disable("Maintenance.", "admin:ann", at(2))
        hook.enable("admin:ann", at(3))
        events += hook.collect_events()
    return events


def test_a_batch_about_forty_webhooks_costs_the_statements_of_one(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, WebhooksProjection(), _work)

    assert one == many

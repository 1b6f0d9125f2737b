import pytest

from app.read.store import ReadStore
from domain.policy import Policy
from domain.values import ActionType, Severity
from projections.policy_catalog.projection import PolicyCatalogProjection
from projections.policy_catalog.queries import list_policies
from tests.domain.factories import DOMAIN, POLICY_KEY, T0, at, terms
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_one_and_many


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, PolicyCatalogProjection())


def test_an_empty_catalog_lists_nothing(feed: Feed) -> None:
    assert feed.read(list_policies, None) == []


def test_a_published_policy_is_listed_at_version_one(feed: Feed) -> None:
    feed.save(Policy.publish(DOMAIN, POLICY_KEY, terms(), "policy:carol", T0))

    [row] = feed.read(list_policies, DOMAIN)

    assert (row.domain, row.key, row.version, row.retired) == (DOMAIN, POLICY_KEY, 1, False)
    assert row.terms == terms()
    assert (row.published_at, row.published_by) == (T0, "policy:carol")


def test_the_catalog_shows_the_latest_version_after_a_revision(feed: Feed) -> None:
    policy = Policy.publish(DOMAIN, POLICY_KEY, terms(), "policy:carol", T0)
    feed.save(policy)
    revised = terms(title="Spam and scams", severity=Severity.HIGH, strike_points=3,
                    allowed_actions=(ActionType.REMOVE, ActionType.SUSPEND_ACCOUNT), zero_tolerance=True)
    policy.revise(revised, "policy:dave", at(days=1))

    feed.save(policy)

    [row] = feed.read(list_policies, DOMAIN)
    assert (row.version, row.retired) == (2, False)
    assert row.terms == revised
    assert (row.published_at, row.published_by) == (at(days=1), "policy:dave")


def test_a_retired_policy_is_listed_as_retired_at_its_last_version(feed: Feed) -> None:
    policy = Policy.publish(DOMAIN, POLICY_KEY, terms(), "policy:carol", T0)
    policy.revise(terms(strike_points=2), "policy:carol", at(days=1))
    feed.save(policy)
    policy.retire("Merged into scams.", "policy:carol", at(days=2))

    feed.save(policy)

    [row] = feed.read(list_policies, DOMAIN)
    assert (row.version, row.retired) == (2, True)
    assert row.terms == terms(strike_points=2)


def test_republishing_a_retired_policy_lists_it_as_live_again(feed: Feed) -> None:
    policy = Policy.publish(DOMAIN, POLICY_KEY, terms(), "policy:carol", T0)
    policy.retire("Paused.", "policy:carol", at(days=1))
    feed.save(policy)
    policy.revise(terms(), "policy:carol", at(days=2))

    feed.save(policy)

    [row] = feed.read(list_policies, DOMAIN)
    assert (row.version, row.retired) == (2, False)


def test_the_catalog_lists_by_domain_and_key(feed: Feed) -> None:
    feed.save(
        Policy.publish(DOMAIN, "spam", terms(), "policy:carol", T0),
        Policy.publish("ads", "misleading_claims", terms(), "policy:carol", T0),
        Policy.publish(DOMAIN, "hate_speech", terms(), "policy:carol", T0),
    )

    everything = feed.read(list_policies, None)
    trust_safety = feed.read(list_policies, DOMAIN)

    assert [(r.domain, r.key) for r in everything] == [
        ("ads", "misleading_claims"), (DOMAIN, "hate_speech"), (DOMAIN, "spam"),
    ]
    assert [r.key for r in trust_safety] == ["hate_speech", "spam"]
    assert feed.read(list_policies, "shopping") == []


def _policy_work(keys: range) -> list[object]:
    """Each policy published, revised and retired."""
    events: list[object] = []
    for i in keys:
        policy = Policy.publish(DOMAIN, f"policy_{i}", terms(), "policy:carol", T0)
        policy.revise(terms(strike_points=2), "policy:carol", at(days=1))
        policy.retire("Merged into scams.", "policy:carol", at(days=2))
        events += policy.collect_events()
    return events


def test_a_batch_costs_the_same_statements_however_many_policies_it_changes(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, PolicyCatalogProjection(), _policy_work)

    assert one == many

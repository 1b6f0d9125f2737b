"""publishPolicy: versions increase only when the terms change."""

from __future__ import annotations

from typing import Any

from tests.api.ledger_api import PUBLISH_POLICY, head, types_after
from tests.support import Api

POLICIES = """
query Policies($domain: String, $minPosition: String) {
  policies(domain: $domain, minPosition: $minPosition) { domain key version title strikePoints }
}
"""


def policy_input(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "domain": "podcasts",
        "key": "hate_speech",
        "title": "Hate speech",
        "text": "Do not attack people on the basis of protected characteristics.",
        "severity": "HIGH",
        "strikePoints": 2,
        "allowedActions": ["REMOVE", "DEMONETIZE"],
        "dsaCategory": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "dsaGround": "INCOMPATIBLE_CONTENT",
    }
    return {**values, **overrides}


def publish(api: Api, **overrides: Any) -> dict[str, Any]:
    return api.data(PUBLISH_POLICY, {"input": policy_input(**overrides)})["publishPolicy"]


def test_publishing_a_new_policy_in_a_new_domain_gives_version_1(api: Api) -> None:
    policy = publish(api)

    assert policy["__typename"] == "Policy"
    assert (policy["domain"], policy["key"], policy["version"]) == ("podcasts", "hate_speech", 1)
    assert isinstance(policy["position"], str) and policy["position"].isdigit()
    listed = api.data(POLICIES, {"domain": "podcasts", "minPosition": policy["position"]})["policies"]
    assert [(p["key"], p["version"]) for p in listed] == [("hate_speech", 1)]


def test_republishing_changed_terms_gives_version_2(api: Api) -> None:
    publish(api)
    before = head(api)

    revised = publish(api, strikePoints=3, title="Hateful conduct")

    assert revised["__typename"] == "Policy"
    assert (revised["version"], revised["strikePoints"], revised["title"]) == (2, 3, "Hateful conduct")
    assert types_after(api, before) == ["Policy.Revised"]
    listed = api.data(POLICIES, {"domain": "podcasts", "minPosition": revised["position"]})["policies"]
    assert [(p["version"], p["strikePoints"]) for p in listed] == [(2, 3)]


def test_republishing_identical_terms_keeps_the_version_and_records_nothing(api: Api) -> None:
    first = publish(api)
    before = head(api)

    again = publish(api)

    assert again["__typename"] == "Policy"
    assert again["version"] == first["version"] == 1
    assert types_after(api, before) == []


def test_revising_a_starter_policy_gives_it_version_2(api: Api) -> None:
    revised = publish(
        api, domain="trust_safety", key="spam", title="Spam", text="No spam.", severity="LOW", strikePoints=1,
        allowedActions=["REMOVE"], dsaCategory="STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    )

    assert (revised["__typename"], revised["domain"], revised["key"], revised["version"]) == (
        "Policy", "trust_safety", "spam", 2,
    )


def test_invalid_terms_are_a_validation_error_and_record_nothing(api: Api) -> None:
    before = head(api)

    result = publish(api, dsaCategory="NOT_A_CATEGORY")

    assert result["__typename"] == "ValidationError"
    assert result["field"] == "dsaCategory"
    assert types_after(api, before) == []

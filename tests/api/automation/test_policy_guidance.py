"""publishPolicy takes a version's guidance for models and the actions automation may never take under it."""

from __future__ import annotations

from typing import Any

import pytest

from app.automation.test_server import RunningServer
from tests.api.automation_api import configure
from tests.api.ledger_api import PUBLISH_POLICY, head
from tests.support import Api


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


def guidance(examples: int = 4) -> dict[str, Any]:
    return {
        "instructions": "Decide whether the listing sells counterfeit sneakers.",
        "definitions": "A counterfeit copies a brand's marks without its licence.",
        "violates": [{"id": "SN1", "text": "Sells replicas of branded sneakers."}],
        "safe": ["Genuine resale with proof of purchase."],
        "examples": [
            {"content": f"1:1 replica sneakers, batch {n}", "violation": True, "ruleIds": ["SN1"],
             "rationale": "Offers replicas."} if n % 2 == 0 else
            {"content": f"Worn once, receipt included ({n})", "violation": False, "rationale": "Genuine resale."}
            for n in range(examples)
        ],
    }


def publish(api: Api, **changes: Any) -> Any:
    values = {
        "domain": "shopping", "key": "sneaker_fakes", "title": "Counterfeit sneakers", "text": "No replicas.",
        "severity": "MEDIUM", "strikePoints": 1, "allowedActions": ["DELIST_PRODUCT", "SUSPEND_ACCOUNT"],
        "dsaCategory": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "dsaGround": "INCOMPATIBLE_CONTENT", **changes,
    }
    return api.data(PUBLISH_POLICY, {"input": values})["publishPolicy"]


def test_a_policy_published_with_guidance_can_be_automated_but_not_with_what_it_never_automates(
    api: Api, models: RunningServer
) -> None:
    assert publish(api, guidance=guidance(), neverAutomated=["SUSPEND_ACCOUNT"])["__typename"] == "Policy"

    rule = configure(api, models, domain="shopping", policy="sneaker_fakes", allowedActions=["DELIST_PRODUCT"])
    forbidden = configure(api, models, domain="shopping", policy="sneaker_fakes", model="openai/other",
                          allowedActions=["SUSPEND_ACCOUNT"])

    assert rule["__typename"] == "AutomationRule"
    assert forbidden["__typename"] == "ValidationError" and "never lets automation" in forbidden["message"]


def test_guidance_with_too_few_examples_is_refused_and_writes_nothing(api: Api) -> None:
    before = head(api)
    refused = publish(api, guidance=guidance(examples=3))
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "guidance.examples")
    assert head(api) == before

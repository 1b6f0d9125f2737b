"""Review inputs refused with a typed error and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.ledger_api import head, subject
from tests.api.review_api import (
    CREATE_QUEUE,
    SET_ROUTING,
    UPDATE_QUEUE,
    create_queue,
    standard_queues,
    submit_report,
)
from tests.support import Api


@pytest.mark.parametrize(
    ("changes", "typename", "field"),
    [
        ({"policy": "no_such_policy"}, "NotFoundError", None),
        ({"subject": subject(domain="no_such_domain")}, "NotFoundError", None),
        ({"text": "   "}, "ValidationError", "text"),
        ({"idempotencyKey": "has spaces"}, "ValidationError", "idempotencyKey"),
        ({"subject": {"domain": "trust_safety", "kind": "Pin!", "id": "x"}}, "ValidationError", "subject.kind"),
    ],
)
def test_a_bad_report_writes_nothing(api: Api, changes: dict[str, Any], typename: str, field: str | None) -> None:
    before = head(api)

    refused = submit_report(api, "r-1", **changes)

    assert refused["__typename"] == typename
    assert refused.get("field") == field
    assert head(api) == before


def test_routing_rules_that_name_unknown_queues_write_nothing(api: Api) -> None:
    create_queue(api, "ts_general")
    before = head(api)

    rules = [{"queue": "ts_general"}, {"queue": "ghosts", "policies": ["spam"]}]
    refused = api.data(SET_ROUTING, {"i": {"rules": rules, "defaultQueue": "ts_general"}})["setRoutingRules"]
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "rules[1].queue")
    refused = api.data(SET_ROUTING, {"i": {"rules": [], "defaultQueue": "ghosts"}})["setRoutingRules"]
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "defaultQueue")
    assert head(api) == before


def test_a_queue_name_is_taken_once_and_an_unknown_queue_cannot_be_updated(api: Api) -> None:
    create_queue(api, "ts_general")
    before = head(api)

    again = api.data(CREATE_QUEUE, {"i": {"name": "ts_general", "domain": "ads", "description": "x"}})["createQueue"]
    assert again["__typename"] == "ConflictError"
    bad = api.data(CREATE_QUEUE, {"i": {"name": "TS", "domain": "ads", "description": "x"}})["createQueue"]
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "name")
    missing = api.data(UPDATE_QUEUE, {"i": {"name": "nowhere", "domain": "ads", "description": "x"}})["updateQueue"]
    assert missing["__typename"] == "NotFoundError"
    assert head(api) == before
    updated = api.data(UPDATE_QUEUE, {"i": {"name": "ts_general", "domain": "trust_safety",
                                             "description": "EU hours"}})["updateQueue"]
    assert (updated["__typename"], updated["description"]) == ("Queue", "EU hours")


def test_a_retried_report_returns_the_original_and_writes_nothing_more(api: Api) -> None:
    standard_queues(api)
    first = submit_report(api, "r-1")
    before = head(api)

    again = submit_report(api, "r-1", text="Different words, same key.")

    assert again["id"] == first["id"]
    assert again["text"] == first["text"]
    assert head(api) == before

"""confirmActionApplied through GraphQL: systems confirm what they applied and undid; operators see the overdue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.ledger_api import decide, subject, types_after
from tests.support import Api

CONFIRM = """
mutation($i: ConfirmActionAppliedInput!) { confirmActionApplied(input: $i) {
  __typename
  ... on ActionConfirmation { decisionId action system status dueAt appliedAt externalRef reversedAt
                              reversalExternalRef subject { id } accountId policy position }
  ... on ValidationError { message field } ... on NotFoundError { message } ... on ConflictError { message } } }
"""
DECISION = """
query($id: ID!, $p: String) { decision(id: $id, minPosition: $p) {
  confirmations { action system status dueAt appliedAt externalRef reversedAt } } }
"""
CASE = """
query($s: SubjectInput!, $p: String) { case(subject: $s, minPosition: $p) {
  decisions { id confirmations { system status } } } }
"""
UNCONFIRMED = """
query($d: String, $o: DateTime, $first: Int! = 50, $after: String, $p: String) {
  unconfirmedActions(domain: $d, olderThan: $o, first: $first, after: $after, minPosition: $p) {
    edges { cursor node { decisionId action system status dueAt subject { id } } }
    pageInfo { hasNextPage endCursor } } }
"""
REVERSE = """
mutation($i: ReverseDecisionInput!) { reverseDecision(input: $i) {
  __typename ... on Decision { position confirmations { system status dueAt } } } }
"""
SPAM_SYSTEMS = ["search", "boards", "notifications"]


def confirm(api: Api, decision_id: str, token: str | None = None, **changes: Any) -> Any:
    values = {
        "decisionId": decision_id, "action": "REMOVE", "system": "search", "appliedAt": api.clock().isoformat(),
        "externalRef": "search-job-9",
    } | changes
    return api.data(CONFIRM, {"i": values}, token)["confirmActionApplied"]


def statuses(api: Api, decision_id: str, position: str) -> dict[str, str]:
    found = api.data(DECISION, {"id": decision_id, "p": position})["decision"]["confirmations"]
    return {c["system"]: c["status"] for c in found}


def test_a_decision_shows_each_system_its_policy_asks_pending_then_overdue(api: Api) -> None:
    made = decide(api)

    assert statuses(api, made["id"], made["position"]) == dict.fromkeys(SPAM_SYSTEMS, "PENDING")
    api.clock.advance(timedelta(minutes=61))
    assert statuses(api, made["id"], made["position"]) == dict.fromkeys(SPAM_SYSTEMS, "OVERDUE")


def test_a_service_confirms_an_action_once_and_a_retry_answers_the_original(api: Api) -> None:
    made = decide(api)
    service = api.principal("search-indexer", ["service"])

    first = confirm(api, made["id"], service)
    api.clock.advance(timedelta(seconds=5))
    retry = confirm(api, made["id"], service, appliedAt=api.clock().isoformat(), externalRef="another-job")

    assert first["__typename"] == "ActionConfirmation"
    assert (first["status"], first["appliedAt"], first["externalRef"], first["dueAt"]) == (
        "APPLIED", "2026-03-02T09:30:00+00:00", "search-job-9", None,
    )
    assert (first["subject"]["id"], first["accountId"], first["policy"]) == ("pin-1", "acct-1", "spam")
    assert {k: v for k, v in retry.items() if k != "position"} == {k: v for k, v in first.items() if k != "position"}
    assert types_after(api, made["position"]) == ["Case.ActionApplied"]
    case = api.data(CASE, {"s": subject(), "p": first["position"]})["case"]
    assert case["decisions"][0]["confirmations"] == [
        {"system": "search", "status": "APPLIED"}, {"system": "boards", "status": "PENDING"},
        {"system": "notifications", "status": "PENDING"},
    ]


def test_a_reversal_awaits_each_systems_undoing_which_they_confirm_the_same_way(api: Api) -> None:
    made = decide(api)
    confirm(api, made["id"])
    api.clock.advance(timedelta(minutes=10))

    reversed_ = api.data(REVERSE, {"i": {"decisionId": made["id"], "rationale": "Parody."}})["reverseDecision"]
    assert {c["system"]: (c["status"], c["dueAt"]) for c in reversed_["confirmations"]} == {
        "search": ("APPLIED", "2026-03-02T10:40:00+00:00"), "boards": ("PENDING", "2026-03-02T10:40:00+00:00"),
        "notifications": ("PENDING", "2026-03-02T10:40:00+00:00"),
    }
    undone = confirm(api, made["id"], reversal=True, appliedAt=api.clock().isoformat(), externalRef="restore-1")

    assert (undone["status"], undone["reversedAt"], undone["reversalExternalRef"]) == (
        "REVERSED", "2026-03-02T09:40:00+00:00", "restore-1",
    )
    assert types_after(api, reversed_["position"]) == ["Case.ActionReversalApplied"]
    api.clock.advance(timedelta(minutes=61))
    assert statuses(api, made["id"], undone["position"]) == {
        "search": "REVERSED", "boards": "OVERDUE", "notifications": "OVERDUE",
    }


@pytest.mark.parametrize(
    ("changes", "typename", "words"),
    [
        ({"decisionId": "00000000-0000-0000-0000-000000000000"}, "NotFoundError", "no decision"),
        ({"decisionId": "not-an-id"}, "ValidationError", "is not an id"),
        ({"action": "DEMOTE"}, "NotFoundError", "takes no DEMOTE"),
        ({"system": "serach"}, "ValidationError", "awaits 'search', 'boards', 'notifications'"),
        ({"system": "Search Index"}, "ValidationError", "system must be a lower-case name"),
        ({"appliedAt": "2026-03-03T09:30:00+00:00"}, "ValidationError", "lies in the future"),
        ({"appliedAt": "2026-03-01T09:30:00+00:00"}, "ValidationError", "lies before the decision"),
        ({"appliedAt": "9999-01-01T00:00:00+00:00"}, "ValidationError", "must lie between"),
        ({"externalRef": "has spaces"}, "ValidationError", "externalRef must be"),
        ({"reversal": True}, "ConflictError", "has not been reversed"),
    ],
)
def test_a_confirmation_that_cannot_be_is_refused_with_a_typed_error_and_records_nothing(
    api: Api, changes: dict[str, Any], typename: str, words: str
) -> None:
    made = decide(api)

    refused = confirm(api, made["id"], **changes)

    assert refused["__typename"] == typename and words in refused["message"], refused
    assert types_after(api, made["position"]) == []


def test_a_decision_outside_the_callers_domains_is_not_found(api: Api) -> None:
    made = decide(api)
    ads_service = api.principal("ads-serving", ["service"], ["ads"])

    refused = confirm(api, made["id"], ads_service)

    assert refused == {"__typename": "NotFoundError", "message": f"no decision {made['id']}"}


def test_operators_list_the_overdue_longest_first_by_domain_and_page_through_them(api: Api) -> None:
    first = decide(api, subject=subject("pin-1"))
    confirm(api, first["id"])
    api.clock.advance(timedelta(minutes=30))
    second = decide(api, subject=subject("pin-2"), idempotencyKey="second")
    ad = decide(api, subject=subject("ad-1", "ads", "ad"), accountId="adv-1", policy="misleading_claims",
                actions=[{"type": "REJECT_AD"}])
    settled = ad["position"]

    assert api.data(UNCONFIRMED, {"p": settled})["unconfirmedActions"]["edges"] == []
    api.clock.advance(timedelta(minutes=31))
    everything = api.data(UNCONFIRMED, {"p": settled})["unconfirmedActions"]
    page = api.data(UNCONFIRMED, {"first": 1, "after": everything["edges"][0]["cursor"]})["unconfirmedActions"]
    older = api.data(UNCONFIRMED, {"o": "2026-03-02T10:31:00Z"})["unconfirmedActions"]
    ads = api.data(UNCONFIRMED, {"d": "ads"})["unconfirmedActions"]

    assert {(e["node"]["subject"]["id"], e["node"]["system"], e["node"]["status"]) for e in everything["edges"]} == {
        ("pin-1", "boards", "OVERDUE"), ("pin-1", "notifications", "OVERDUE"),
    }
    assert page["edges"] == everything["edges"][1:] and page["pageInfo"]["hasNextPage"] is False
    assert older["edges"] == everything["edges"]
    assert ads["edges"] == []
    api.clock.advance(timedelta(minutes=30))
    later = api.data(UNCONFIRMED, {})["unconfirmedActions"]["edges"]
    assert [e["node"]["decisionId"] for e in later][:2] == [first["id"]] * 2
    assert {e["node"]["decisionId"] for e in later[2:]} == {second["id"], ad["id"]} and len(later) == 6
    ads = api.data(UNCONFIRMED, {"d": "ads"})["unconfirmedActions"]["edges"]
    assert [(e["node"]["decisionId"], e["node"]["system"]) for e in ads] == [(ad["id"], "ads_serving")]


def test_a_bad_cursor_or_older_than_is_bad_user_input(api: Api) -> None:
    for variables, argument in (({"after": "bm90LWEtY3Vyc29y"}, "after"), ({"o": "0001-01-01T00:00:00Z"}, "olderThan")):
        body = api.post(UNCONFIRMED, variables)

        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


def test_metrics_count_the_overdue_by_domain_and_system(api: Api) -> None:
    made = decide(api)
    confirm(api, made["id"])
    api.clock.advance(timedelta(minutes=61))
    api.data(DECISION, {"id": made["id"], "p": made["position"]})

    text = api.get("/metrics").text

    assert 'docket_unconfirmed_actions{domain="trust_safety",system="boards"} 1.0' in text
    assert 'docket_unconfirmed_actions{domain="trust_safety",system="notifications"} 1.0' in text
    assert 'system="search"' not in text


def test_policies_publish_and_show_which_systems_must_confirm_what(api: Api) -> None:
    publish = """mutation($i: PublishPolicyInput!) { publishPolicy(input: $i) { __typename
      ... on Policy { version confirmations { action systems withinMinutes } }
      ... on ValidationError { message field } } }"""
    terms = {
        "domain": "ads", "key": "gambling", "title": "Gambling", "text": "No unlicensed gambling ads.",
        "severity": "HIGH", "strikePoints": 1, "allowedActions": ["REJECT_AD"],
        "dsaCategory": "STATEMENT_CATEGORY_CONSUMER_INFORMATION", "dsaGround": "ILLEGAL_CONTENT",
        "confirmations": [{"action": "REJECT_AD", "systems": ["ads_serving"], "withinMinutes": 30}],
    }

    published = api.data(publish, {"i": terms})["publishPolicy"]
    refused = api.data(publish, {"i": terms | {"confirmations": [{"action": "DISABLE", "systems": ["ads_serving"],
                                                                  "withinMinutes": 30}]}})["publishPolicy"]

    assert published["confirmations"] == [{"action": "REJECT_AD", "systems": ["ads_serving"], "withinMinutes": 30}]
    assert refused["__typename"] == "ValidationError" and refused["field"] == "confirmations.action"
    listed = api.data('{ policies(domain: "trust_safety") { key confirmations { action systems withinMinutes } } }')
    spam = next(p for p in listed["policies"] if p["key"] == "spam")
    assert spam["confirmations"][0] == {"action": "REMOVE", "systems": SPAM_SYSTEMS, "withinMinutes": 60}

"""Every bad input is a typed union member, and writes nothing to the ledger."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from domain.policy import Policy
from tests.api.ledger_api import (
    ACCOUNT,
    DECIDE,
    PUBLISH_POLICY,
    RECORD_DETECTION,
    decide_input,
    detection_input,
    events_after,
    head,
    nested_json,
    record_detection,
    subject,
    with_raw_json,
)
from tests.support import Api

BAD_DECISIONS: dict[str, tuple[dict[str, Any], str, str | None]] = {
    # name: (overrides of a valid decide input, expected __typename, expected field)
    "unknown policy": ({"policy": "no_such_policy"}, "NotFoundError", None),
    "unknown domain": ({"subject": subject(domain="podcasts")}, "NotFoundError", None),
    "policy of another domain": (
        {"subject": subject(domain="ads", kind="ad"), "policy": "spam"}, "NotFoundError", None
    ),
    "malformed subject domain": ({"subject": subject(domain="Bad Domain")}, "ValidationError", "subject.domain"),
    "malformed subject kind": ({"subject": subject(kind="")}, "ValidationError", "subject.kind"),
    "subject id with spaces": ({"subject": subject("pin 1")}, "ValidationError", "subject.id"),
    "violating without actions": ({"actions": []}, "ValidationError", "actions"),
    "not violating with actions": ({"outcome": "NOT_VIOLATING"}, "ValidationError", "actions"),
    "action the policy does not allow": ({"actions": [{"type": "TERMINATE_ACCOUNT"}]}, "ValidationError", "actions"),
    "repeated action": ({"actions": [{"type": "REMOVE"}, {"type": "REMOVE"}]}, "ValidationError", "actions"),
    "empty rationale": ({"rationale": ""}, "ValidationError", "rationale"),
    "blank rationale": ({"rationale": "   "}, "ValidationError", "rationale"),
    "unknown territory": (
        {"actions": [{"type": "REMOVE", "territories": ["XX"]}]}, "ValidationError", "actions.territories",
    ),
    "naive action end": (
        {"actions": [{"type": "REMOVE", "endsAt": "2026-04-01T00:00:00"}]}, "ValidationError", "actions.endsAt",
    ),
    "unknown detection id": ({"detectionIds": [str(uuid.uuid4())]}, "NotFoundError", None),
    "malformed detection id": ({"detectionIds": ["not-a-uuid"]}, "ValidationError", "detectionIds"),
    "account id with spaces": ({"accountId": "acct 1"}, "ValidationError", "accountId"),
}

BAD_DETECTIONS: dict[str, tuple[dict[str, Any], str, str | None]] = {
    "confidence above 1": ({"confidence": 1.5}, "ValidationError", "confidence"),
    "confidence below 0": ({"confidence": -0.01}, "ValidationError", "confidence"),
    "unknown policy": ({"policy": "no_such_policy"}, "NotFoundError", None),
    "unknown domain": ({"subject": subject(domain="podcasts")}, "NotFoundError", None),
    "policy of another domain": (
        {"subject": subject(domain="ads", kind="ad"), "policy": "spam"}, "NotFoundError", None
    ),
    "malformed subject domain": ({"subject": subject(domain="Bad Domain")}, "ValidationError", "subject.domain"),
    "subject id with spaces": ({"subject": subject("pin 1")}, "ValidationError", "subject.id"),
    "malformed policy key": ({"policy": "Spam!"}, "ValidationError", "policy"),
    "external id with spaces": ({"externalId": "clf 1"}, "ValidationError", "externalId"),
    "empty external id": ({"externalId": ""}, "ValidationError", "externalId"),
    "account id with spaces": ({"accountId": "acct 1"}, "ValidationError", "accountId"),
    "naive detection time": ({"detectedAt": "2026-03-01T08:00:00"}, "ValidationError", "detectedAt"),
    "evidence not an object": ({"evidence": [1, 2]}, "ValidationError", "evidence"),
}

BAD_POLICIES: dict[str, tuple[dict[str, Any], str, str | None]] = {
    "malformed domain": ({"domain": "Bad Domain"}, "ValidationError", "domain"),
    "malformed key": ({"key": "hate speech"}, "ValidationError", "key"),
    "negative strike points": ({"strikePoints": -1}, "ValidationError", "strikePoints"),
    "no allowed actions": ({"allowedActions": []}, "ValidationError", "allowedActions"),
    "empty title": ({"title": " "}, "ValidationError", "title"),
    "unknown DSA category": ({"dsaCategory": "STATEMENT_CATEGORY_NOPE"}, "ValidationError", "dsaCategory"),
}


def policy_input(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "domain": "podcasts", "key": "hate_speech", "title": "Hate speech", "text": "No attacks on people.",
        "severity": "HIGH", "strikePoints": 2, "allowedActions": ["REMOVE"],
        "dsaCategory": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "dsaGround": "INCOMPATIBLE_CONTENT",
    }
    return {**values, **overrides}


def assert_rejected(result: dict[str, Any], typename: str, field: str | None) -> None:
    assert result["__typename"] == typename, result
    assert result["message"]
    if typename == "ValidationError":
        assert result["field"] == field


@pytest.mark.parametrize("overrides, typename, field", BAD_DECISIONS.values(), ids=BAD_DECISIONS.keys())
def test_a_bad_decision_is_typed_and_writes_nothing(
    api: Api, overrides: dict[str, Any], typename: str, field: str | None
) -> None:
    before = head(api)

    result = api.data(DECIDE, {"input": decide_input(**overrides)})["decide"]

    assert_rejected(result, typename, field)
    assert events_after(api, before) == []


@pytest.mark.parametrize("overrides, typename, field", BAD_DETECTIONS.values(), ids=BAD_DETECTIONS.keys())
def test_a_bad_detection_is_typed_and_writes_nothing(
    api: Api, overrides: dict[str, Any], typename: str, field: str | None
) -> None:
    before = head(api)

    result = api.data(RECORD_DETECTION, {"input": detection_input(**overrides)})["recordDetection"]

    assert_rejected(result, typename, field)
    assert events_after(api, before) == []


@pytest.mark.parametrize("overrides, typename, field", BAD_POLICIES.values(), ids=BAD_POLICIES.keys())
def test_a_bad_policy_is_typed_and_writes_nothing(
    api: Api, overrides: dict[str, Any], typename: str, field: str | None
) -> None:
    before = head(api)

    result = api.data(PUBLISH_POLICY, {"input": policy_input(**overrides)})["publishPolicy"]

    assert_rejected(result, typename, field)
    assert events_after(api, before) == []


def test_a_detection_of_another_subject_or_domain_answers_as_an_id_that_names_nothing(api: Api) -> None:
    other_domain = record_detection(api, subject=subject("ad-1", "ads", "ad"), policy="misleading_claims")
    other_subject = record_detection(api, subject=subject("pin-2"), externalId="clf-2")
    a_policy = str(Policy.create_id("ads", "misleading_claims"))
    reviewer = api.principal("ts-reviewer", ["reviewer"], ["trust_safety"])
    before = head(api)

    for cited in (other_domain["id"], other_subject["id"], a_policy, str(uuid.uuid4())):
        result = api.data(DECIDE, {"input": decide_input(detectionIds=[cited])}, token=reviewer)["decide"]

        expected = {"__typename": "NotFoundError", "message": f"no detection {cited} about trust_safety/pin/pin-1"}
        assert result == expected
    assert events_after(api, before) == []


def test_a_decision_naming_another_account_than_the_cases_is_rejected(api: Api) -> None:
    api.data(DECIDE, {"input": decide_input(accountId="acct-1", idempotencyKey="a")})
    before = head(api)

    result = api.data(DECIDE, {"input": decide_input(accountId="acct-2", idempotencyKey="b")})["decide"]

    assert_rejected(result, "ValidationError", "accountId")
    assert events_after(api, before) == []


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($id: String!) { reporter(id: $id) { id } }", {"id": "user\x00-1"}),
        ("query($id: String!) { account(id: $id) { id } }", {"id": "\x00"}),
        ("mutation($i: RecordDetectionInput!) { recordDetection(input: $i) { __typename } }",
         {"i": {**detection_input(), "externalId": "clf\x00"}}),
        ("mutation($i: RecordDetectionInput!) { recordDetection(input: $i) { __typename } }",
         {"i": {**detection_input(), "evidence": {"note\x00": "x"}}}),
    ],
    ids=["query argument", "another query argument", "inside an input object", "a key of a JSON value"],
)
def test_a_nul_character_in_any_argument_is_bad_input_on_either_engine(
    api: Api, query: str, variables: dict[str, Any]
) -> None:
    before = head(api)

    body = api.post(query, variables)

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert head(api) == before


def test_a_nul_character_in_a_literal_of_the_document_is_bad_input(api: Api) -> None:
    body = api.post('{ reporter(id: "user\\u0000-1") { id } }')

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


LONE_SURROGATE = "\ud800"
"""Half of a UTF-16 pair: a JSON escape can send it, UTF-8 cannot encode it for storage."""


@pytest.mark.parametrize(
    ("query", "variables", "argument"),
    [
        (DECIDE, {"input": decide_input(rationale=f"spam {LONE_SURROGATE}")}, "input.rationale"),
        (DECIDE, {"input": decide_input(idempotencyKey=LONE_SURROGATE)}, "input.idempotencyKey"),
        (ACCOUNT, {"id": LONE_SURROGATE}, "id"),
        (RECORD_DETECTION, {"input": detection_input(evidence={"note": LONE_SURROGATE})}, "input.evidence"),
        (RECORD_DETECTION, {"input": detection_input(evidence={LONE_SURROGATE: "x"})}, "input.evidence"),
    ],
    ids=["rationale", "idempotency key", "account id", "inside a JSON value", "a key of a JSON value"],
)
def test_a_lone_surrogate_in_a_variable_is_bad_input_naming_the_argument_and_writes_nothing(
    api: Api, query: str, variables: dict[str, Any], argument: str
) -> None:
    before = head(api)

    error = api.post(query, variables)["errors"][0]

    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert head(api) == before


@pytest.mark.parametrize("levels", [65, 400, 1000], ids=["one past the limit of 64", "400 levels", "1000 levels"])
def test_evidence_nested_past_the_limit_is_bad_input_naming_the_field_and_writes_nothing(api: Api, levels: int) -> None:
    before = head(api)
    body = {"query": RECORD_DETECTION, "variables": {"input": detection_input(evidence="@evidence")}}

    error = api.post_body(with_raw_json(body, "@evidence", nested_json(levels)))["errors"][0]

    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "input.evidence"}
    assert "64 levels" in error["message"]
    assert head(api) == before


def test_evidence_nested_past_the_limit_in_a_literal_is_bad_input_naming_the_field(api: Api) -> None:
    before = head(api)
    evidence = "{a: " * 65 + "1" + "}" * 65
    query = (
        'mutation { recordDetection(input: {subject: {domain: "trust_safety", kind: "pin", id: "pin-1"}, '
        'accountId: "acct-1", policy: "spam", source: CLASSIFIER, externalId: "clf-1", confidence: 0.9, '
        f"model: \"m\", contentType: TEXT, evidence: {evidence}}}) {{ __typename }} }}"
    )

    error = api.post(query)["errors"][0]

    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "input.evidence"}
    assert head(api) == before

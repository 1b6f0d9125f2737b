"""GraphQL documents and small helpers shared by the API tests."""

from __future__ import annotations

import json
from typing import Any

from tests.support import Api

RECORD_DETECTION = """
mutation Record($input: RecordDetectionInput!) {
  recordDetection(input: $input) {
    __typename
    ... on Detection { id position policy policyVersion externalId confidence }
    ... on ValidationError { message field }
    ... on NotFoundError { message }
    ... on ConflictError { message }
  }
}
"""

RECORD_DETECTIONS = """
mutation RecordMany($inputs: [RecordDetectionInput!]!) {
  recordDetections(inputs: $inputs) {
    __typename
    ... on DetectionBatch { position detections { id position externalId } }
    ... on ValidationError { message field }
    ... on NotFoundError { message }
    ... on ConflictError { message }
  }
}
"""

DECIDE = """
mutation Decide($input: DecideInput!) {
  decide(input: $input) {
    __typename
    ... on Decision { id position outcome policy supersedes strike { id points } }
    ... on ValidationError { message field }
    ... on NotFoundError { message }
    ... on ConflictError { message }
  }
}
"""

PUBLISH_POLICY = """
mutation Publish($input: PublishPolicyInput!) {
  publishPolicy(input: $input) {
    __typename
    ... on Policy { domain key version title strikePoints allowedActions position }
    ... on ValidationError { message field }
    ... on NotFoundError { message }
    ... on ConflictError { message }
  }
}
"""

ACCOUNT = """
query Account($id: String!, $minPosition: String, $asOf: DateTime) {
  account(id: $id, minPosition: $minPosition, asOf: $asOf) {
    id
    standing { level strikePoints activeStrikes }
    strikes { id points policy expiresAt removedAt }
  }
}
"""

CASE = """
query Case($subject: SubjectInput!, $minPosition: String) {
  case(subject: $subject, minPosition: $minPosition) {
    status
    accountId
    decisions { id outcome live supersededBy actions { type territories } strike { id } }
    detections { id source }
  }
}
"""

EVENTS = """
query Events($after: String, $first: Int! = 50, $p: String) {
  events(after: $after, first: $first, minPosition: $p) {
    edges { cursor node { position type actor occurredAt aggregateId data } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def subject(id: str = "pin-1", domain: str = "trust_safety", kind: str = "pin") -> dict[str, str]:
    return {"domain": domain, "kind": kind, "id": id}


def detection_input(external_id: str = "clf-1", **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "subject": subject(),
        "accountId": "acct-1",
        "policy": "spam",
        "source": "CLASSIFIER",
        "externalId": external_id,
        "confidence": 0.93,
        "model": "spam-clf-v3",
        "contentType": "TEXT",
    }
    return {**values, **overrides}


def decide_input(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "subject": subject(),
        "accountId": "acct-1",
        "policy": "spam",
        "outcome": "VIOLATING",
        "actions": [{"type": "REMOVE"}],
        "rationale": "Mass-posted identical link-farm comments.",
    }
    return {**values, **overrides}


def nested_json(levels: int) -> str:
    """A JSON object nested `levels` deep, as text: json.dumps cannot write the deepest ones."""
    return '{"a":' * levels + "1" + "}" * levels


def with_raw_json(document: dict[str, Any], marker: str, raw: str) -> str:
    """The document as JSON text, with the string `marker` in it replaced by the JSON text `raw`."""
    return json.dumps(document).replace(json.dumps(marker), raw)


def detection_wave(wave: str, count: int) -> list[dict[str, Any]]:
    """`count` detection inputs, each on a subject of its own."""
    return [detection_input(f"clf-{wave}-{i}", subject=subject(f"pin-{wave}-{i}")) for i in range(count)]


def record_detection(api: Api, **overrides: Any) -> dict[str, Any]:
    return api.data(RECORD_DETECTION, {"input": detection_input(**overrides)})["recordDetection"]


def decide(api: Api, **overrides: Any) -> dict[str, Any]:
    return api.data(DECIDE, {"input": decide_input(**overrides)})["decide"]


def events_after(api: Api, after: str | None = None, page: int = 50) -> list[dict[str, Any]]:
    """Every event written so far after `after`, in ledger order, read page by page."""
    nodes: list[dict[str, Any]] = []
    cursor, written = after, head(api)
    while True:
        connection = api.data(EVENTS, {"after": cursor, "first": page, "p": written})["events"]
        nodes += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes
        cursor = connection["pageInfo"]["endCursor"]


def head(api: Api) -> str:
    """The position of the newest record in the ledger, as the API reports it."""
    return str(api.data("{ health { head } }")["health"]["head"])


SETTLE = "query($p: String) { cases(first: 1, minPosition: $p) { pageInfo { hasNextPage } } }"
"""Waits for every read model: `cases` does, as its nodes read many (most queries wait for those they read only,
and on PostgreSQL the read models move on in two transactions of their own)."""


def settle(api: Api) -> None:
    """Waits until the read models hold everything written so far, as a client reading its writes does."""
    api.data(SETTLE, {"p": head(api)})


def types_after(api: Api, after: str) -> list[str]:
    return [e["type"] for e in events_after(api, after)]


def account(api: Api, account_id: str, min_position: str | None = None, as_of: str | None = None) -> Any:
    variables = {"id": account_id, "minPosition": min_position, "asOf": as_of}
    return api.data(ACCOUNT, variables)["account"]


APPEAL_FIELDS = """
id decisionId subject { domain kind id } accountId policy statement status filedAt filedBy windowEndsAt
resolvedAt resolvedBy rationale position
"""

FILE = f"""
mutation($i: FileAppealInput!) {{ fileAppeal(input: $i) {{
  __typename ... on Appeal {{ {APPEAL_FIELDS} }} ... on ValidationError {{ message field }}
  ... on ConflictError {{ message }} ... on NotFoundError {{ message }} }} }}
"""

RESOLVE = f"""
mutation($i: ResolveAppealInput!) {{ resolveAppeal(input: $i) {{
  __typename ... on Appeal {{ {APPEAL_FIELDS} }} ... on ValidationError {{ message field }}
  ... on ConflictError {{ message }} ... on NotFoundError {{ message }} }} }}
"""

"""Auditor and reviewer queries: the review queue, filtered events, a case as of a moment, audit trails."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.api.ledger_api import decide, record_detection, subject
from tests.support import START, Api

QUEUE = """
query($domain: String, $policy: String, $first: Int! = 50, $after: String, $p: String) {
  reviewQueue(domain: $domain, policy: $policy, first: $first, after: $after, minPosition: $p) {
    edges { cursor node { caseId subject { domain kind id } accountId policy severity maxConfidence detections
                          oldestDetectedAt enqueuedAt position } }
    pageInfo { hasNextPage endCursor } } }
"""
EVENTS = """
query($after: String, $first: Int! = 50, $filter: EventFilter, $p: String) {
  events(after: $after, first: $first, filter: $filter, minPosition: $p) {
    edges { cursor node { position type actor occurredAt aggregateId data } }
    pageInfo { hasNextPage endCursor } } }
"""
CASE = """
query($s: SubjectInput!, $asOf: DateTime, $p: String) { case(subject: $s, asOf: $asOf, minPosition: $p) {
  status updatedAt detections { id externalId }
  decisions { id outcome live supersededBy reversedAt reversalReason strike { id removedAt } } } }
"""
ACCOUNT = "query($id: String!, $asOf: DateTime) { account(id: $id, asOf: $asOf) { id } }"
TRAIL = """
query($s: SubjectInput, $a: String, $first: Int! = 50, $after: String, $p: String) {
  auditTrail(subject: $s, accountId: $a, first: $first, after: $after, minPosition: $p) {
    edges { cursor node { position type aggregateId occurredAt actor domain accountId subject { domain kind id }
                          summary } }
    pageInfo { hasNextPage endCursor } } }
"""
FILE = """mutation($i: FileAppealInput!) { fileAppeal(input: $i) { __typename ... on Appeal { id position } } }"""
RESOLVE = """mutation($i: ResolveAppealInput!) { resolveAppeal(input: $i) { __typename ... on Appeal { position } } }"""


def detect(api: Api, item: str, policy: str, confidence: float, external_id: str, domain: str = "trust_safety",
           kind: str = "pin", account: str = "acct-1") -> dict[str, Any]:
    made = record_detection(api, subject=subject(item, domain, kind), policy=policy, confidence=confidence,
                            externalId=external_id, accountId=account)
    assert made["position"], made
    return made


def queue(api: Api, p: str, **variables: Any) -> dict[str, Any]:
    return dict(api.data(QUEUE, {"p": p, **variables})["reviewQueue"])


def entries(connection: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["node"]["subject"]["id"], e["node"]["policy"]) for e in connection["edges"]]


def errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert body.get("data") is None, body
    return [e["extensions"] for e in body["errors"]]


def cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


# The review queue.


def test_the_review_queue_puts_the_most_severe_and_most_confident_first_and_pages_by_cursor(api: Api) -> None:
    detect(api, "spam-sure", "spam", 0.99, "d1")                       # LOW
    detect(api, "harass-early", "harassment", 0.8, "d2")               # MEDIUM
    api.clock.advance(timedelta(minutes=5))
    detect(api, "harass-late", "harassment", 0.8, "d3")
    detect(api, "harass-unsure", "harassment", 0.4, "d4")
    detect(api, "extremism", "violent_extremism", 0.35, "d5")          # CRITICAL
    detect(api, "self-harm", "self_harm", 0.6, "d6")                   # HIGH
    last = detect(api, "extremism", "violent_extremism", 0.7, "d7")

    whole = queue(api, last["position"])

    assert entries(whole) == [
        ("extremism", "violent_extremism"), ("self-harm", "self_harm"), ("harass-early", "harassment"),
        ("harass-late", "harassment"), ("harass-unsure", "harassment"), ("spam-sure", "spam"),
    ]
    top = whole["edges"][0]["node"]
    assert (top["severity"], top["maxConfidence"], top["detections"], top["accountId"]) == (
        "CRITICAL", 0.7, 2, "acct-1",
    )
    assert datetime.fromisoformat(top["oldestDetectedAt"]) <= datetime.fromisoformat(top["enqueuedAt"])
    assert top["position"] == last["position"]
    assert whole["pageInfo"] == {"hasNextPage": False, "endCursor": whole["edges"][-1]["cursor"]}

    pages, after = [], None
    while True:
        page = queue(api, last["position"], first=4, after=after)
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [len(p["edges"]) for p in pages] == [4, 2]
    assert [e for p in pages for e in p["edges"]] == whole["edges"]


def test_a_case_leaves_the_queue_when_decided_and_returns_with_a_detection_under_an_undecided_policy(api: Api) -> None:
    detect(api, "pin-1", "harassment", 0.9, "d1")
    other = detect(api, "pin-2", "harassment", 0.5, "d2")
    assert entries(queue(api, other["position"])) == [("pin-1", "harassment"), ("pin-2", "harassment")]

    decided = decide(api, subject=subject("pin-1"), policy="harassment")
    assert entries(queue(api, decided["position"])) == [("pin-2", "harassment")]

    again = detect(api, "pin-1", "harassment", 0.99, "d3")  # its policy is decided: it stays out
    assert entries(queue(api, again["position"])) == [("pin-2", "harassment")]

    back = detect(api, "pin-1", "self_harm", 0.3, "d4")
    assert entries(queue(api, back["position"])) == [("pin-1", "self_harm"), ("pin-2", "harassment")]


def test_the_review_queue_is_filtered_by_domain_and_policy(api: Api) -> None:
    detect(api, "pin-1", "spam", 0.9, "d1")
    detect(api, "pin-2", "harassment", 0.9, "d2")
    last = detect(api, "ad-1", "financial_scams", 0.9, "d3", domain="ads", kind="ad", account="adv-1")

    assert entries(queue(api, last["position"], domain="trust_safety")) == [("pin-2", "harassment"), ("pin-1", "spam")]
    assert entries(queue(api, last["position"], domain="trust_safety", policy="spam")) == [("pin-1", "spam")]
    assert entries(queue(api, last["position"], domain="ads")) == [("ad-1", "financial_scams")]
    assert queue(api, last["position"], domain="shopping")["edges"] == []


@pytest.mark.parametrize(
    "after",
    [
        "abc", "", "12", "!!!!", "a" * 2000, cursor(["rq1", 2, 0.5]),
        cursor(["rq2", 2, 0.5, START.isoformat(), "c", "p"]),
        cursor(["rq1", "2", 0.5, START.isoformat(), "c", "p"]), cursor(["rq1", 2, 0.5, "yesterday", "c", "p"]),
        cursor(["rq1", 2, 0.5, "2026-03-02T09:30:00", "c", "p"]),
        cursor(["rq1", 10**30, 0.5, START.isoformat(), "c", "p"]),
        cursor({"tag": "rq1"}), base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_malformed_review_queue_cursor_is_bad_user_input(api: Api, after: str) -> None:
    assert errors(api.post(QUEUE, {"after": after})) == [{"code": "BAD_USER_INPUT", "argument": "after"}]


@pytest.mark.parametrize("first", [0, -1, 501])
def test_a_review_queue_page_out_of_bounds_is_bad_user_input(api: Api, first: int) -> None:
    assert errors(api.post(QUEUE, {"first": first})) == [{"code": "BAD_USER_INPUT", "argument": "first"}]


# Filtered events.


def scenario(api: Api) -> dict[str, Any]:
    """Detections in two domains by two services, a decision with its strike, all an hour apart."""
    bot = api.principal("clf", ["service"])
    first = record_detection(api, externalId="d1", policy="harassment")
    api.clock.advance(timedelta(hours=1))
    ad = api.data(
        """mutation($i: RecordDetectionInput!) { recordDetection(input: $i) { ... on Detection { position } } }""",
        {"i": {"subject": subject("ad-1", "ads", "ad"), "accountId": "adv-1", "policy": "financial_scams",
               "source": "LLM", "externalId": "d2", "confidence": 0.7, "contentType": "TEXT"}},
        token=bot,
    )["recordDetection"]
    api.clock.advance(timedelta(hours=1))
    decided = decide(api, policy="harassment", actions=[{"type": "REMOVE"}])
    return {"first": first, "ad": ad, "decided": decided, "head": decided["position"]}


def filtered(api: Api, head: str, first: int = 50, after: str | None = None, **criteria: Any) -> dict[str, Any]:
    return dict(api.data(EVENTS, {"filter": criteria, "p": head, "first": first, "after": after})["events"])


def kinds(connection: dict[str, Any]) -> list[str]:
    return [e["node"]["type"] for e in connection["edges"]]


def test_events_are_filtered_by_each_field_in_ledger_order(api: Api) -> None:
    s = scenario(api)
    h = s["head"]
    pin = subject()
    after_catalog = str(int(s["first"]["position"]) - 1)

    def types_of(**criteria: Any) -> list[str]:
        return kinds(filtered(api, h, after=after_catalog, **criteria))

    assert types_of(domains=["ads"]) == ["Detection.Recorded"]
    assert types_of(domains=["ads", "trust_safety"]) == [
        "Detection.Recorded", "Detection.Recorded", "Case.Opened", "Case.Decided", "Account.StrikeIssued",
        "Notice.Issued",
    ]
    assert types_of(eventTypes=["Case.Decided", "Account.Registered"]) == ["Case.Decided", "Account.Registered"]
    assert types_of(accountId="acct-1") == [
        "Detection.Recorded", "Case.Opened", "Case.Decided", "Account.Registered", "Account.StrikeIssued",
        "Notice.Issued",
    ]
    assert types_of(accountId="adv-1") == ["Detection.Recorded"]
    assert types_of(subject=pin) == ["Detection.Recorded", "Case.Opened", "Case.Decided", "Notice.Issued"]
    assert types_of(actor="clf") == ["Detection.Recorded"]
    assert len(types_of(actor="alice")) == 6
    window = {"from": (START + timedelta(hours=1)).isoformat(), "to": (START + timedelta(hours=2)).isoformat()}
    assert types_of(**window) == ["Detection.Recorded"]
    assert types_of(**{"from": (START + timedelta(hours=2)).isoformat()}) == [
        "Case.Opened", "Case.Decided", "Account.Registered", "Account.StrikeIssued", "Notice.Issued",
    ]
    assert types_of(to=(START + timedelta(hours=1)).isoformat()) == ["Detection.Recorded"]
    assert types_of(subject=pin, eventTypes=["Case.Decided"], actor="alice", domains=["trust_safety"]) == [
        "Case.Decided"
    ]
    assert types_of(subject=pin, actor="clf") == []
    # The whole node is the ledger's own event, as unfiltered `events` gives it.
    [ad] = filtered(api, h, after=after_catalog, domains=["ads"])["edges"]
    assert ad["cursor"] == ad["node"]["position"] == s["ad"]["position"]
    assert (ad["node"]["actor"], ad["node"]["data"]["facts"]["external_id"]) == ("clf", "d2")
    # The starter catalog's policies are in their domains too.
    assert kinds(filtered(api, h, domains=["shopping"])) == ["Policy.Published"] * 3


def test_filtered_events_page_with_stable_position_cursors(api: Api) -> None:
    s = scenario(api)
    whole = filtered(api, s["head"], first=500, domains=["trust_safety"])

    pages, after = [], None
    while True:
        page = filtered(api, s["head"], first=3, after=after, domains=["trust_safety"])
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    edges = [e for p in pages for e in p["edges"]]
    assert edges == whole["edges"]
    assert len(edges) == 5 + 5  # the catalog's five policies, the story but its domainless registration
    assert all(e["cursor"] == e["node"]["position"] for e in edges)
    assert [int(e["cursor"]) for e in edges] == sorted(int(e["cursor"]) for e in edges)
    assert pages[-1]["pageInfo"]["endCursor"] == edges[-1]["cursor"]
    later = filtered(api, s["head"], after=edges[-1]["cursor"], domains=["trust_safety"])
    assert later == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": edges[-1]["cursor"]}}


def test_an_empty_filter_reads_the_whole_ledger(api: Api) -> None:
    s = scenario(api)

    assert filtered(api, s["head"], first=500) == dict(api.data(EVENTS, {"first": 500})["events"])


@pytest.mark.parametrize(
    "criteria, argument",
    [
        ({"domains": []}, "filter.domains"),
        ({"domains": ["Not A Domain"]}, "filter.domains"),
        ({"domains": [f"d{i}" for i in range(51)]}, "filter.domains"),
        ({"eventTypes": ["Case.Exploded"]}, "filter.eventTypes"),
        ({"eventTypes": []}, "filter.eventTypes"),
        ({"accountId": "has space"}, "filter.accountId"),
        ({"subject": {"domain": "trust_safety", "kind": "Pin!", "id": "x"}}, "filter.subject"),
        ({"actor": ""}, "filter.actor"),
        ({"from": "2026-03-02T09:30:00"}, "filter.from"),
        ({"to": "2026-03-02T09:30:00"}, "filter.to"),
        ({"from": "2026-03-03T00:00:00+00:00", "to": "2026-03-02T00:00:00+00:00"}, "filter.from"),
    ],
)
def test_an_unusable_filter_is_bad_user_input(api: Api, criteria: dict[str, Any], argument: str) -> None:
    assert errors(api.post(EVENTS, {"filter": criteria})) == [{"code": "BAD_USER_INPUT", "argument": argument}]


def test_a_filtered_page_keeps_the_cursor_and_size_checks(api: Api) -> None:
    assert errors(api.post(EVENTS, {"filter": {"domains": ["ads"]}, "after": "x"})) == [
        {"code": "BAD_USER_INPUT", "argument": "after"}
    ]
    assert errors(api.post(EVENTS, {"filter": {"domains": ["ads"]}, "first": 501})) == [
        {"code": "BAD_USER_INPUT", "argument": "first"}
    ]


# A case as of a moment.


def test_a_case_as_of_a_past_moment_shows_only_what_was_recorded_by_then(api: Api) -> None:
    bo = api.principal("bo", ["reviewer"])
    first = record_detection(api, externalId="d1")
    detected_at = api.clock.now
    api.clock.advance(timedelta(hours=1))
    second = record_detection(api, externalId="d2")
    api.clock.advance(timedelta(hours=1))
    made = decide(api)
    decided_at = api.clock.now
    api.clock.advance(timedelta(days=1))
    appeal = api.data(FILE, {"i": {"decisionId": made["id"], "statement": "Not spam."}})["fileAppeal"]
    api.clock.advance(timedelta(days=1))
    overturned = api.data(RESOLVE, {"i": {"appealId": appeal["id"], "outcome": "OVERTURN", "rationale": "Fine."}},
                          token=bo)["resolveAppeal"]
    h = overturned["position"]

    def case(moment: datetime) -> dict[str, Any]:
        return dict(api.data(CASE, {"s": subject(), "asOf": moment.isoformat(), "p": h})["case"])

    assert case(detected_at)["detections"] == [{"id": first["id"], "externalId": "d1"}]
    assert (case(detected_at)["status"], case(detected_at)["decisions"]) == ("OPEN", [])
    assert [d["id"] for d in case(decided_at - timedelta(seconds=1))["detections"]] == [first["id"], second["id"]]
    at_decision = case(decided_at)
    assert at_decision["status"] == "ACTIONED"
    [decision] = at_decision["decisions"]
    assert (decision["live"], decision["reversedAt"], decision["reversalReason"]) == (True, None, None)
    assert decision["strike"]["removedAt"] is None  # removed with the overturn, later
    assert datetime.fromisoformat(at_decision["updatedAt"]) == decided_at

    now = api.data(CASE, {"s": subject(), "p": h})["case"]
    assert now["status"] == "CLEARED"
    assert now["decisions"][0]["live"] is False and now["decisions"][0]["reversedAt"] is not None
    assert now["decisions"][0]["strike"]["removedAt"] is not None
    assert case(api.clock.now) == now


def test_a_case_as_of_a_moment_before_its_first_detection_is_null(api: Api) -> None:
    api.clock.advance(timedelta(hours=1))
    made = record_detection(api)

    body = api.data(CASE, {"s": subject(), "asOf": (START + timedelta(minutes=30)).isoformat(), "p": made["position"]})

    assert body["case"] is None


@pytest.mark.parametrize(
    "moment",
    [START - timedelta(seconds=1), START + timedelta(days=1), "2026-03-02T10:00:00"],
    ids=["before-the-ledger", "future", "no-time-zone"],
)
def test_an_unusable_as_of_is_bad_user_input_for_cases_and_accounts(api: Api, moment: Any) -> None:
    record_detection(api)
    value = moment if isinstance(moment, str) else moment.isoformat()

    for body in (api.post(CASE, {"s": subject(), "asOf": value}), api.post(ACCOUNT, {"id": "acct-1", "asOf": value})):
        assert [e["extensions"] for e in body["errors"]] == [{"code": "BAD_USER_INPUT", "argument": "asOf"}]


def test_the_first_moment_of_the_ledger_is_a_valid_as_of(api: Api) -> None:
    assert api.data(CASE, {"s": subject(), "asOf": START.isoformat()})["case"] is None


# Audit trails.


def test_an_audit_trail_tells_what_happened_to_a_subject_and_to_an_account_in_order(api: Api) -> None:
    s = scenario(api)
    h = s["head"]

    trail = api.data(TRAIL, {"s": subject(), "p": h})["auditTrail"]
    nodes = [e["node"] for e in trail["edges"]]
    assert [n["type"] for n in nodes] == ["Detection.Recorded", "Case.Opened", "Case.Decided", "Notice.Issued"]
    assert all(n["subject"] == subject() and n["accountId"] == "acct-1" and n["domain"] == "trust_safety"
               for n in nodes)
    assert nodes[0]["summary"] == "CLASSIFIER detection under harassment (confidence 0.93) by spam-clf-v3"
    assert nodes[2]["summary"] == "decided VIOLATING under harassment v1: REMOVE"
    assert [e["cursor"] for e in trail["edges"]] == [n["position"] for n in nodes]
    assert int(nodes[2]["position"]) < int(s["decided"]["position"])  # the strike followed in the same write

    account = api.data(TRAIL, {"a": "acct-1", "p": h})["auditTrail"]
    assert [e["node"]["type"] for e in account["edges"]] == [
        "Detection.Recorded", "Case.Opened", "Case.Decided", "Account.Registered", "Account.StrikeIssued",
        "Notice.Issued",
    ]
    assert account["edges"][-2]["node"]["summary"].startswith("strike of 1 strike point under trust_safety/harassment")
    assert account["edges"][-1]["node"]["summary"].startswith("DECISION notice to account acct-1 in EN about decision")
    assert [e["node"]["actor"] for e in api.data(TRAIL, {"a": "adv-1", "p": h})["auditTrail"]["edges"]] == ["clf"]

    first = api.data(TRAIL, {"a": "acct-1", "first": 2, "p": h})["auditTrail"]
    rest = api.data(TRAIL, {"a": "acct-1", "after": first["pageInfo"]["endCursor"], "p": h})["auditTrail"]
    assert first["pageInfo"]["hasNextPage"] is True and rest["pageInfo"]["hasNextPage"] is False
    assert first["edges"] + rest["edges"] == account["edges"]


@pytest.mark.parametrize(
    "variables, argument",
    [
        ({}, "subject"),
        ({"s": subject(), "a": "acct-1"}, "subject"),
        ({"s": {"domain": "Bad Domain", "kind": "pin", "id": "x"}}, "subject"),
        ({"a": "acct-1", "after": "-1"}, "after"),
        ({"a": "acct-1", "first": 501}, "first"),
        ({"a": "acct-1", "first": 0}, "first"),
    ],
)
def test_an_unusable_audit_trail_request_is_bad_user_input(api: Api, variables: dict[str, Any], argument: str) -> None:
    assert errors(api.post(TRAIL, variables)) == [{"code": "BAD_USER_INPUT", "argument": argument}]

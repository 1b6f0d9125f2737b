"""Every DateTime a client sends lies in one documented range: outside it, a typed refusal naming it, and nothing
is written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLNamedType, get_named_type

from app.graphql.schema import build_schema
from tests.api.bulk_api import BULK_DECIDE, bulk_input, wave
from tests.api.ledger_api import (
    DECIDE,
    RECORD_DETECTION,
    RECORD_DETECTIONS,
    decide_input,
    detection_input,
    head,
    subject,
)
from tests.api.review_api import SUSPEND, WARN
from tests.api.subscriber import LEDGER_EVENTS, connected, subscribe
from tests.support import Api

OUTSIDE_THE_RANGE = {
    "year 1 east of UTC": "0001-01-01T00:00:00+14:00",
    "year 9999 west of UTC": "9999-12-31T23:59:59-14:00",
    "a second before 1970": "1969-12-31T23:59:59Z",
    "a microsecond after the range": "9000-01-01T00:00:00.000001Z",
    "no time zone": "2026-03-01T08:00:00",
}
FIRST, LAST = "1970-01-01T14:00:00+14:00", "8999-12-31T10:00:00-14:00"
"""The ends of the range, sent with offsets; they read back in UTC."""
FIRST_UTC, LAST_UTC = "1970-01-01T00:00:00+00:00", "9000-01-01T00:00:00+00:00"

ACCOUNT_AS_OF = "query($t: DateTime) { account(id: \"acct-1\", asOf: $t) { id } }"
CASE_AS_OF = "query($s: SubjectInput!, $t: DateTime) { case(subject: $s, asOf: $t) { status } }"
EVENTS_FILTERED = "query($f: EventFilter) { events(filter: $f) { edges { node { position } } } }"
CONFIRM = """mutation($i: ConfirmActionAppliedInput!) { confirmActionApplied(input: $i) {
  __typename ... on ValidationError { message field } ... on NotFoundError { message } } }"""
CONFIRM_NOTICE = """mutation($i: ConfirmNoticeDeliveredInput!) { confirmNoticeDelivered(input: $i) {
  __typename ... on ValidationError { message field } ... on NotFoundError { message } } }"""
UNCONFIRMED = "query($t: DateTime) { unconfirmedActions(olderThan: $t) { edges { cursor } } }"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
STATEMENTS_FILTERED = "query($f: StatementFilter) { statementsOfReasons(filter: $f) { edges { cursor } } }"
TRANSPARENCY = "query($a: DateTime!, $b: DateTime!) { transparencyReport(from: $a, to: $b) { to } }"
IMPACT = """query($f: DateTime!, $t: DateTime!) {
  automationImpact(rule: "00000000-0000-4000-8000-000000000000", from: $f, to: $t) { verdicts } }"""


@dataclass(frozen=True)
class Place:
    """How to send a time to one place the schema takes a DateTime, and what a refusal must name."""

    document: str
    variables: Callable[[str], dict[str, Any]]
    names: str
    subscription: bool = False


PLACES = {
    "Query.account(asOf)": Place(ACCOUNT_AS_OF, lambda t: {"t": t}, "asOf"),
    "Query.case(asOf)": Place(CASE_AS_OF, lambda t: {"s": subject(), "t": t}, "asOf"),
    "Query.events(filter).from": Place(EVENTS_FILTERED, lambda t: {"f": {"from": t}}, "filter.from"),
    "Query.events(filter).to": Place(EVENTS_FILTERED, lambda t: {"f": {"to": t}}, "filter.to"),
    "Query.statementsOfReasons(filter).from": Place(STATEMENTS_FILTERED, lambda t: {"f": {"from": t}}, "filter.from"),
    "Query.statementsOfReasons(filter).to": Place(STATEMENTS_FILTERED, lambda t: {"f": {"to": t}}, "filter.to"),
    "Query.transparencyReport(from)": Place(TRANSPARENCY, lambda t: {"a": t, "b": "2027-01-01T00:00:00Z"}, "from"),
    "Query.transparencyReport(to)": Place(TRANSPARENCY, lambda t: {"a": "2000-01-01T00:00:00Z", "b": t}, "to"),
    "Mutation.decide(input).dsa.contentPostedAt": Place(
        DECIDE, lambda t: {"input": decide_input(dsa={"contentPostedAt": t})}, "dsa.contentPostedAt"
    ),
    "Mutation.bulkDecide(input).dsa.contentPostedAt": Place(
        BULK_DECIDE, lambda t: {"i": bulk_input(wave(1), dsa={"contentPostedAt": t})}, "dsa.contentPostedAt"
    ),
    "Mutation.recordDetection(input).detectedAt": Place(
        RECORD_DETECTION, lambda t: {"input": detection_input(detectedAt=t)}, "detectedAt"
    ),
    "Mutation.recordDetections(inputs).detectedAt": Place(
        RECORD_DETECTIONS,
        lambda t: {"inputs": [detection_input("clf-1"), detection_input("clf-2", detectedAt=t)]},
        "inputs[1].detectedAt",
    ),
    "Mutation.decide(input).actions.endsAt": Place(
        DECIDE, lambda t: {"input": decide_input(actions=[{"type": "REMOVE", "endsAt": t}])}, "actions.endsAt"
    ),
    "Mutation.bulkDecide(input).actions.endsAt": Place(
        BULK_DECIDE,
        lambda t: {"i": bulk_input(wave(1), actions=[{"type": "REMOVE", "endsAt": t}])},
        "actions.endsAt",
    ),
    "Mutation.suspendReporter(input).until": Place(
        SUSPEND, lambda t: {"i": {"reporterId": "user-9", "reason": "Unfounded notices", "until": t}}, "until"
    ),
    "Mutation.confirmActionApplied(input).appliedAt": Place(
        CONFIRM, lambda t: {"i": {"decisionId": UNKNOWN, "action": "REMOVE", "system": "search", "appliedAt": t}},
        "appliedAt",
    ),
    "Mutation.confirmNoticeDelivered(input).deliveredAt": Place(
        CONFIRM_NOTICE, lambda t: {"i": {"noticeId": UNKNOWN, "channel": "email", "deliveredAt": t}}, "deliveredAt",
    ),
    "Query.unconfirmedActions(olderThan)": Place(UNCONFIRMED, lambda t: {"t": t}, "olderThan"),
    "Query.automationImpact(from)": Place(IMPACT, lambda t: {"f": t, "t": "2026-04-01T00:00:00Z"}, "from"),
    "Query.automationImpact(to)": Place(IMPACT, lambda t: {"f": "2026-03-01T00:00:00Z", "t": t}, "to"),
    "Subscription.ledgerEvents(filter).from": Place(
        LEDGER_EVENTS, lambda t: {"filter": {"from": t}}, "filter.from", True
    ),
    "Subscription.ledgerEvents(filter).to": Place(LEDGER_EVENTS, lambda t: {"filter": {"to": t}}, "filter.to", True),
}


def datetime_places() -> Iterator[str]:
    """Every place a root field of the schema built from the code takes a DateTime: `Type.field(argument).path`."""
    schema = build_schema()._schema
    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        assert root is not None
        for field_name, field in root.fields.items():
            for argument, value in field.args.items():
                yield from _within(get_named_type(value.type), f"{root.name}.{field_name}({argument})", set())


def _within(named: GraphQLNamedType, where: str, entered: set[str]) -> Iterator[str]:
    if named.name == "DateTime":
        yield where
    elif isinstance(named, GraphQLInputObjectType) and named.name not in entered:
        for name, field in named.fields.items():
            yield from _within(get_named_type(field.type), f"{where}.{name}", entered | {named.name})


def send(api: Api, place: Place, time: str) -> dict[str, Any]:
    """The response to sending `time` there: the body, or a subscription's first message's payload."""
    if not place.subscription:
        return dict(api.post(place.document, place.variables(time)))
    with connected(api, api.token) as ws:
        subscribe(ws, place.document, place.variables(time))
        message = ws.receive_json()
    assert message["type"] == "next", message
    return dict(message["payload"])


def refusal_names(body: dict[str, Any]) -> object:
    """What a typed refusal names: a mutation's ValidationError field, or a BAD_USER_INPUT error's argument."""
    if body.get("errors"):
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        return error["extensions"].get("argument")
    [result] = body["data"].values()
    assert result.get("__typename") == "ValidationError", result
    return result.get("field")


def test_every_place_the_schema_takes_a_datetime_is_checked_here() -> None:
    assert set(datetime_places()) == set(PLACES)


@pytest.mark.parametrize("where", sorted(datetime_places()))
def test_a_time_outside_the_range_or_without_a_zone_is_refused_naming_where_and_records_nothing(
    api: Api, where: str
) -> None:
    api.data(WARN, {"i": {"reporterId": "user-9", "reason": "Twelve unfounded notices"}})  # may now be suspended
    before = head(api)

    for name, time in OUTSIDE_THE_RANGE.items():
        body = send(api, PLACES[where], time)

        assert refusal_names(body) == PLACES[where].names, (name, body)
    assert head(api) == before


def test_times_at_both_ends_of_the_range_are_recorded_in_utc_and_every_read_model_answers(api: Api) -> None:
    api.data(RECORD_DETECTION, {"input": detection_input("clf-first", subject=subject("pin-1"), detectedAt=FIRST)})
    api.data(RECORD_DETECTION, {"input": detection_input("clf-last", subject=subject("pin-2"), detectedAt=LAST)})
    ends = [{"type": "REMOVE", "endsAt": LAST}]
    assert api.data(DECIDE, {"input": decide_input(subject=subject("pin-3"), actions=ends)})["decide"]["position"]
    bulk = api.data(BULK_DECIDE, {"i": bulk_input(wave(1, prefix="pin-4"), actions=ends)})["bulkDecide"]
    assert bulk["__typename"] == "BatchProgress", bulk
    api.data(WARN, {"i": {"reporterId": "user-9", "reason": "Twelve unfounded notices"}})
    until = {"reporterId": "user-9", "reason": "Unfounded notices", "until": LAST}
    position = api.data(SUSPEND, {"i": until})["suspendReporter"]["position"]

    # Root fields resolve at once, side by side: each waits for the read models itself.
    read = api.data(
        """query($p: String, $from: DateTime, $to: DateTime, $first: SubjectInput!, $decided: SubjectInput!) {
          reviewQueue(domain: "trust_safety", minPosition: $p) { edges { node { oldestDetectedAt } } }
          first: case(subject: $first, minPosition: $p) { detections { detectedAt } }
          decided: case(subject: $decided, minPosition: $p) { decisions { actions { endsAt } } }
          account(id: "acct-1", minPosition: $p) { standing { level } strikes { expiresAt } }
          reporter(id: "user-9", minPosition: $p) { suspendedUntil }
          events(filter: {from: $from, to: $to}, minPosition: $p) { edges { node { position } } }
        }""",
        {"p": position, "from": FIRST, "to": LAST, "first": subject("pin-1"), "decided": subject("pin-3")},
    )

    assert {e["node"]["oldestDetectedAt"] for e in read["reviewQueue"]["edges"]} == {FIRST_UTC, LAST_UTC}
    assert read["first"]["detections"] == [{"detectedAt": FIRST_UTC}]
    assert read["decided"]["decisions"] == [{"actions": [{"endsAt": LAST_UTC}]}]
    assert read["account"]["standing"]["level"] != "GOOD"
    assert read["reporter"]["suspendedUntil"] == LAST_UTC
    assert read["events"]["edges"]


def test_a_time_that_rolls_over_past_the_year_9999_is_refused_as_malformed_not_a_crash(api: Api) -> None:
    as_literal = api.post('{ events(filter: {from: "9999-12-31T24:00:00Z"}) { edges { cursor } } }')
    as_variable = api.post(EVENTS_FILTERED, {"f": {"from": "9999-12-31T24:00:00Z"}})

    assert [e["extensions"]["code"] for e in as_literal["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    assert [e["extensions"]["code"] for e in as_variable["errors"]] == ["BAD_USER_INPUT"]
    assert all("cannot represent a DateTime" in e["message"] for e in as_literal["errors"] + as_variable["errors"])

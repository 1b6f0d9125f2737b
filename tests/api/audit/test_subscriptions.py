"""ledgerEvents over graphql-transport-ws: replay from a cursor, then live; only for the roles and domains allowed."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from app.graphql.core.multiplexed import Asked, Multiplexed
from tests.api.ledger_api import (
    RECORD_DETECTION,
    RECORD_DETECTIONS,
    detection_input,
    detection_wave,
    events_after,
    head,
    nested_json,
    record_detection,
    subject,
    with_raw_json,
)
from tests.api.subscriber import LEDGER_EVENTS, connected, next_events, subscribe
from tests.support import Api


def graphql_objects() -> int:
    """How many objects of graphql-core's own types are alive (in this process, only the app has any)."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if str(type(o).__module__).startswith("graphql."))


def test_a_subscriber_replays_the_ledger_then_receives_new_events_live(api: Api) -> None:
    history = events_after(api)
    token = api.principal("ranking", ["subscriber"])

    with connected(api, token) as ws:
        subscribe(ws, LEDGER_EVENTS)
        replayed = next_events(ws, len(history))
        recorded = record_detection(api)
        [live] = next_events(ws, 1)

    assert [e["position"] for e in replayed] == [e["position"] for e in history]
    assert live["type"] == "Detection.Recorded"
    assert live["position"] == recorded["position"]


def test_a_subscriber_holds_nothing_of_the_events_it_has_received(api: Api) -> None:
    api.data(RECORD_DETECTIONS, {"inputs": detection_wave("early", 10)})
    history = events_after(api)
    token = api.principal("ranking", ["subscriber"])

    with connected(api, token) as ws:
        subscribe(ws, LEDGER_EVENTS)
        next_events(ws, len(history))
        before = graphql_objects()
        api.data(RECORD_DETECTIONS, {"inputs": detection_wave("late", 1000)})
        next_events(ws, 1000)
        after = graphql_objects()

    # It used to keep several graphql-core objects for each event it had sent: thousands here.
    assert after - before < 100, f"{after - before} more objects after 1,000 events"


def test_every_subscriber_waiting_at_the_head_receives_a_new_event(api: Api) -> None:
    history = events_after(api)
    token = api.principal("ranking", ["subscriber"])

    with connected(api, token) as first, connected(api, token) as second:
        for ws in (first, second):
            subscribe(ws, LEDGER_EVENTS)
            next_events(ws, len(history))
        recorded = record_detection(api)
        live = [next_events(ws, 1)[0] for ws in (first, second)]

    assert [e["position"] for e in live] == [recorded["position"]] * 2


def executions_counted(monkeypatch: pytest.MonkeyPatch) -> list[Asked | None]:
    """What each execution of a subscription's selection over an event asked, in the order they ran."""
    counted: list[Asked | None] = []
    result = Multiplexed.result

    def counting(self: Multiplexed[Any], event: object, asked: Asked | None, execute: Callable[[], Any]) -> Any:
        def executed() -> Any:
            counted.append(asked)
            return execute()

        return result(self, event, asked, executed)

    monkeypatch.setattr(Multiplexed, "result", counting)
    return counted


def test_subscribers_asking_alike_share_one_execution_of_each_new_event(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = api.principal("ranking", ["subscriber"])
    executed = executions_counted(monkeypatch)

    with connected(api, token) as first, connected(api, token) as second:
        for ws in (first, second):
            subscribe(ws, LEDGER_EVENTS, {"after": head(api)})
        recorded = record_detection(api)
        live = [next_events(ws, 1)[0] for ws in (first, second)]

    assert live[0] == live[1] and live[0]["position"] == recorded["position"]
    assert len(executed) == 1


def test_subscribers_of_different_scopes_never_share_an_event_s_execution(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    every_domain = api.principal("auditors", ["subscriber"])
    ads_team = api.principal("ads-team", ["subscriber"], ["ads"])
    after = head(api)
    executed = executions_counted(monkeypatch)

    with connected(api, every_domain) as everything, connected(api, ads_team) as ads_only:
        for ws in (everything, ads_only):
            subscribe(ws, LEDGER_EVENTS, {"after": after})
        record_detection(api, externalId="clf-ts")
        ads = record_detection(
            api, externalId="clf-ads", subject=subject("ad-1", "ads", "ad"), policy="misleading_claims"
        )
        [_, seen_by_all] = next_events(everything, 2)
        [seen_by_ads] = next_events(ads_only, 1)

    assert seen_by_ads == seen_by_all and seen_by_ads["position"] == ads["position"]
    assert len(executed) == 3 and len(set(executed)) == 2  # the ads event once for each scope


def test_a_subscriber_resumes_after_the_last_position_it_received(api: Api) -> None:
    first = record_detection(api, externalId="clf-1")
    second = record_detection(api, externalId="clf-2", subject=subject("pin-2"))
    token = api.principal("ranking", ["subscriber"])

    with connected(api, token, header=True) as ws:
        subscribe(ws, LEDGER_EVENTS, {"after": first["position"]})
        [resumed] = next_events(ws, 1)

    assert resumed["position"] == second["position"]
    assert resumed["data"]["facts"]["external_id"] == "clf-2"


def test_a_scoped_subscriber_receives_only_its_domains_events(api: Api) -> None:
    record_detection(api, externalId="clf-ts")
    ads = record_detection(
        api, externalId="clf-ads", subject=subject("ad-1", "ads", "ad"), policy="misleading_claims"
    )
    token = api.principal("ads-team", ["subscriber"], ["ads"])

    with connected(api, token) as ws:
        subscribe(ws, LEDGER_EVENTS, {"filter": {"eventTypes": ["Detection.Recorded"]}, "after": None})
        [only] = next_events(ws, 1)

    assert only["position"] == ads["position"]


def test_a_role_without_subscriptions_is_refused_before_anything_is_sent(api: Api) -> None:
    token = api.principal("bo", ["reviewer"])

    with connected(api, token) as ws:
        subscribe(ws, LEDGER_EVENTS)
        message = ws.receive_json()

    assert message["type"] == "next", message
    assert message["payload"]["data"] is None
    assert message["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("token", [None, "dkt_not-a-real-token"], ids=["no token", "unknown token"])
def test_a_connection_without_a_valid_token_is_closed(api: Api, token: str | None) -> None:
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": payload})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()

    assert closed.value.code == 4403


def test_the_filter_is_validated_like_the_events_query(api: Api) -> None:
    token = api.principal("ranking", ["subscriber"])

    with connected(api, token) as ws:
        subscribe(ws, LEDGER_EVENTS, {"filter": {"eventTypes": ["No.Such"]}})
        message = ws.receive_json()

    assert message["type"] == "next", message
    assert message["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("after", ["abc", "-1", "9" * 20], ids=["letters", "negative", "too large"])
def test_a_malformed_cursor_is_refused_typed(api: Api, after: str) -> None:
    token = api.principal("ranking", ["subscriber"])

    with connected(api, token) as ws:
        subscribe(ws, LEDGER_EVENTS, {"after": after})
        message = ws.receive_json()

    assert message["payload"]["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}


def test_a_cursor_past_the_head_is_refused_rather_than_waited_at(api: Api) -> None:
    past = str(int(head(api)) + 5)
    token = api.principal("ranking", ["subscriber"])

    with connected(api, token) as ws:
        subscribe(ws, LEDGER_EVENTS, {"after": past})
        message = ws.receive_json()

    error = message["payload"]["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}
    assert f"past the ledger's head ({head(api)})" in error["message"]
    with connected(api, token) as ws:  # the head itself is where a caught-up subscriber resumes
        subscribe(ws, LEDGER_EVENTS, {"after": head(api)})
        recorded = record_detection(api)
        assert [e["position"] for e in next_events(ws, 1)] == [recorded["position"]]


def test_a_document_of_two_subscriptions_without_an_operation_name_is_refused(api: Api) -> None:
    token = api.principal("ranking", ["subscriber"])

    with connected(api, token) as ws:
        subscribe(ws, "subscription A { ledgerEvents { position } } subscription B { ledgerEvents { type } }")
        message = ws.receive_json()

    assert message["type"] == "error", message
    assert message["payload"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_crash_in_a_subscription_is_masked_too(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("app.graphql.audit.subscriptions.events_page", explode)
    token = api.principal("ranking", ["subscriber"])

    with connected(api, token) as ws:
        subscribe(ws, LEDGER_EVENTS)
        message = ws.receive_json()

    assert "secret internals" not in str(message)
    assert message["payload"]["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


def test_a_message_over_the_body_limit_closes_the_socket_and_writes_nothing(api: Api) -> None:
    before = head(api)
    padding = "x" * (4 * 1024 * 1024)

    with connected(api, api.token) as ws:
        subscribe(ws, RECORD_DETECTION, {"input": detection_input(evidence={"padding": padding})})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()

    assert closed.value.code == 1009
    assert head(api) == before


@pytest.mark.parametrize(
    "evidence", [nested_json(1000), '{"note": "\\ud800"}'], ids=["nested 1000 levels", "a lone surrogate"]
)
def test_arguments_are_checked_over_a_websocket_as_over_http(api: Api, evidence: str) -> None:
    before = head(api)
    payload = {"query": RECORD_DETECTION, "variables": {"input": detection_input(evidence="@evidence")}}

    with connected(api, api.token) as ws:
        ws.send_text(with_raw_json({"id": "1", "type": "subscribe", "payload": payload}, "@evidence", evidence))
        message = ws.receive_json()

    assert message["type"] == "error", message
    assert message["payload"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "input.evidence"}
    assert head(api) == before

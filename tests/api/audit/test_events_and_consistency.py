"""The ledger through `events`: string cursors, paging, typed argument errors, bounded read-your-writes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from app.auth.tokens import create_token
from app.config.settings import Settings
from app.http.asgi import create_app
from app.runtime.wiring import open_runtime
from tests.api.ledger_api import (
    ACCOUNT,
    CASE,
    EVENTS,
    decide,
    events_after,
    head,
    record_detection,
    subject,
)
from tests.support import Api, MovableClock

CONSISTENCY_TIMEOUT = 0.3

POLICIES = "query P($minPosition: String) { policies(minPosition: $minPosition) { key } }"
DECISION = "query D($id: ID!, $minPosition: String) { decision(id: $id, minPosition: $minPosition) { id } }"


@pytest.fixture
def impatient_api(database_url: str, clock: MovableClock, tmp_path: Path) -> Iterator[Api]:
    """The real app with a short consistency timeout, so that a wait for the future ends quickly."""
    tokens_file = tmp_path / "impatient-tokens.toml"
    token = create_token(tokens_file, "alice", ["admin"], ["*"])
    settings = Settings(database_url=database_url, tokens_file=tokens_file, consistency_timeout=CONSISTENCY_TIMEOUT)
    open_runtime(settings, clock=clock).close()
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Api(client=client, token=token, clock=clock, tokens={"alice": token})


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert len(body.get("errors", [])) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error


def test_events_page_in_ledger_order_with_string_cursors(api: Api) -> None:
    before = head(api)
    for i in range(5):
        record_detection(api, externalId=f"page-{i}", subject=subject(f"pin-{i}"))

    pages = []
    cursor, written = before, head(api)
    while True:
        connection = api.data(EVENTS, {"after": cursor, "first": 2, "p": written})["events"]
        pages.append(connection)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        cursor = connection["pageInfo"]["endCursor"]

    assert [len(p["edges"]) for p in pages] == [2, 2, 1]
    edges = [edge for page in pages for edge in page["edges"]]
    assert all(isinstance(e["cursor"], str) and e["cursor"] == e["node"]["position"] for e in edges)
    positions = [int(e["cursor"]) for e in edges]
    assert positions == sorted(positions) and positions[0] > int(before)
    assert [p["pageInfo"]["endCursor"] for p in pages] == [p["edges"][-1]["cursor"] for p in pages]
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, False]
    assert [e["node"]["data"]["facts"]["external_id"] for e in edges] == [f"page-{i}" for i in range(5)]


def test_the_first_page_starts_at_the_beginning_of_the_ledger(api: Api) -> None:
    connection = api.data(EVENTS, {"first": 3, "p": "3"})["events"]

    assert [e["cursor"] for e in connection["edges"]] == ["1", "2", "3"]
    assert all(e["node"]["type"] == "Policy.Published" for e in connection["edges"])
    assert connection["pageInfo"] == {"hasNextPage": True, "endCursor": "3"}


def test_a_page_after_the_head_is_empty_and_keeps_its_cursor(api: Api) -> None:
    last = head(api)

    connection = api.data(EVENTS, {"after": last, "first": 10})["events"]

    assert connection == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": last}}


def test_the_largest_storable_position_is_a_valid_cursor_with_nothing_after_it(api: Api) -> None:
    connection = api.data(EVENTS, {"after": str(2**63 - 1), "first": 10})["events"]

    assert connection["edges"] == []
    assert connection["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    "after", ["abc", "", "-1", "1.5", " 1", "0x10", "²", "١٢", str(2**63), "9" * 20],
)
def test_a_malformed_cursor_is_bad_user_input(api: Api, after: str) -> None:
    body = api.post(EVENTS, {"after": after, "first": 10})

    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "after"
    assert "Unexpected error" not in error["message"]
    assert body["data"] is None


@pytest.mark.parametrize("first", [0, -1, 501, 10000])
def test_a_page_size_out_of_bounds_is_bad_user_input(api: Api, first: int) -> None:
    body = api.post(EVENTS, {"after": None, "first": first})

    error = only_error(body)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}


def test_the_page_size_bounds_themselves_are_accepted(api: Api) -> None:
    assert len(api.data(EVENTS, {"first": 1, "p": "1"})["events"]["edges"]) == 1
    assert len(api.data(EVENTS, {"first": 500, "p": head(api)})["events"]["edges"]) == len(events_after(api))


@pytest.mark.parametrize(
    "query, variables",
    [
        (ACCOUNT, {"id": "acct-1"}),
        (CASE, {"subject": subject()}),
        (POLICIES, {}),
        (DECISION, {"id": "00000000-0000-0000-0000-000000000000"}),
    ],
    ids=["account", "case", "policies", "decision"],
)
def test_a_malformed_min_position_is_bad_user_input_on_every_query(
    api: Api, query: str, variables: dict[str, Any]
) -> None:
    body = api.post(query, {**variables, "minPosition": "abc"})

    error = only_error(body)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "minPosition"}


def test_a_malformed_subject_in_a_case_query_is_bad_user_input(api: Api) -> None:
    body = api.post(CASE, {"subject": subject(domain="Bad Domain")})

    error = only_error(body)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "subject"}


def test_a_write_is_readable_at_once_with_its_position(api: Api) -> None:
    decision = decide(api)

    acct = api.data(ACCOUNT, {"id": "acct-1", "minPosition": decision["position"]})["account"]

    assert acct is not None and acct["standing"]["activeStrikes"] == 1


@pytest.mark.parametrize(
    "query, variables",
    [(ACCOUNT, {"id": "acct-1"}), (CASE, {"subject": subject()}), (POLICIES, {})],
    ids=["account", "case", "policies"],
)
def test_a_min_position_in_the_future_is_not_yet_consistent_within_the_timeout(
    impatient_api: Api, query: str, variables: dict[str, Any]
) -> None:
    future = str(int(head(impatient_api)) + 1_000_000)

    started = time.monotonic()
    body = impatient_api.post(query, {**variables, "minPosition": future})
    elapsed = time.monotonic() - started

    error = only_error(body)
    assert error["extensions"]["code"] == "NOT_YET_CONSISTENT"
    assert error["extensions"]["position"] == future
    assert CONSISTENCY_TIMEOUT <= elapsed < CONSISTENCY_TIMEOUT + 5


def test_a_min_position_already_reached_answers_at_once(impatient_api: Api) -> None:
    body = impatient_api.post(POLICIES, {"minPosition": head(impatient_api)})

    assert "errors" not in body
    assert len(body["data"]["policies"]) == 14


def test_every_event_carries_the_principal_as_actor_and_when_it_occurred(api: Api) -> None:
    before = head(api)
    detected_at = api.clock()
    detection = record_detection(api)
    decided_at = api.clock.advance(timedelta(hours=2))
    decide(api, detectionIds=[detection["id"]])

    events = events_after(api, before)

    assert [(e["type"], datetime.fromisoformat(e["occurredAt"])) for e in events] == [
        ("Detection.Recorded", detected_at),
        ("Case.Opened", decided_at),
        ("Case.Decided", decided_at),
        ("Account.Registered", decided_at),
        ("Account.StrikeIssued", decided_at),
        ("Notice.Issued", decided_at),
    ]
    assert [e["actor"] for e in events] == ["alice"] * 6
    assert all(e["data"]["actor"] == "alice" for e in events)


def test_starter_catalog_events_are_attributed_to_the_system(api: Api) -> None:
    edges = api.data(EVENTS, {"first": 14, "p": "14"})["events"]["edges"]

    assert {e["node"]["actor"] for e in edges} == {"system:starter-catalog"}

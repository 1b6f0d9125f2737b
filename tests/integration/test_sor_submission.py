"""`docket submit-sor` against the DSA contract server on loopback: every statement stored once, whatever it answers."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from app.compliance.contract_server import DUPLICATE, ContractServer
from app.compliance.database import Refused, Stored, TransparencyDatabase, Unstored
from bench.servers import DOCKET, clean_env
from tests.api.ledger_api import decide, head, settle, subject
from tests.support import Api, Docket

TOKEN = "sandbox-token"
SUBMISSIONS = """
query($f: StatementFilter, $p: String) {
  statementsOfReasons(filter: $f, first: 500, minPosition: $p) {
    edges { node { puid submission { status requests databaseUuid reason submittedAt } } } } }
"""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ContractServer]:
    """The contract server, named by DOCKET_DSA_ENDPOINT with its token in DOCKET_DSA_TOKEN; retries come quickly."""
    with ContractServer() as running:
        running.state.token = TOKEN
        monkeypatch.setenv("DOCKET_DSA_ENDPOINT", running.endpoint)
        monkeypatch.setenv("DOCKET_DSA_TOKEN", TOKEN)
        monkeypatch.setenv("DOCKET_DSA_BACKOFF", "0.01")
        yield running


def decided(api: Api, count: int) -> list[str]:
    """The puids of `count` restrictive decisions, once the read models hold them."""
    puids = [f"docket-{decide(api, subject=subject(f'pin-{n}'), idempotencyKey=f'k-{n}')['id']}"
             for n in range(count)]
    settle(api)
    return puids


def submissions(api: Api, **filter: Any) -> dict[str, Any]:
    """Each statement's submission, by puid, once the read models hold everything written."""
    edges = api.data(SUBMISSIONS, {"f": filter or None, "p": head(api)})["statementsOfReasons"]["edges"]
    return {e["node"]["puid"]: e["node"]["submission"] for e in edges}


def test_statements_go_in_batches_of_at_most_100_and_a_second_run_sends_nothing(
    api: Api, docket: Docket, server: ContractServer
) -> None:
    puids = decided(api, 103)
    assert {s["status"] for s in submissions(api).values()} == {"PENDING"}

    code, printed, errors = docket("submit-sor")

    assert (code, errors) == (0, "")
    assert "submitted 103 statements of reasons (0 more were in the database already)" in printed
    assert [len(b) for b in server.state.batches] == [100, 3]
    assert sorted(server.state.stored) == sorted(puids)
    states = submissions(api, submission="SUBMITTED")
    assert len(states) == 103
    assert all(s["databaseUuid"] == server.state.stored[p]["uuid"] and s["requests"] == 1 for p, s in states.items())

    code, printed, _ = docket("submit-sor")
    assert code == 0 and "submitted 0 statements" in printed and "0 requests" in printed
    assert len(server.state.batches) == 2
    assert submissions(api, submission="PENDING") == {}


def test_a_duplicate_puid_fails_its_batch_and_the_rest_is_sent_again_once(
    api: Api, docket: Docket, server: ContractServer
) -> None:
    puids = decided(api, 4)
    server.state.stored[puids[1]] = {"puid": puids[1], "uuid": "stored-before"}  # an earlier run's, answer lost

    code, printed, _ = docket("submit-sor")

    assert code == 0 and "submitted 3 statements of reasons (1 more were in the database already)" in printed
    assert server.state.batches == [puids, [p for p in puids if p != puids[1]]]
    assert server.state.sent().count(puids[0]) == 2 and len(server.state.stored) == 4
    states = submissions(api)
    assert states[puids[1]]["status"] == "SUBMITTED" and states[puids[1]]["databaseUuid"] == "stored-before"
    assert {s["status"] for s in states.values()} == {"SUBMITTED"}


def test_statements_the_database_refuses_are_rejected_with_its_reason_and_the_valid_rest_is_sent(
    api: Api, docket: Docket, server: ContractServer
) -> None:
    puids = decided(api, 3)
    server.state.refuse[puids[2]] = "The decision facts must name the law."

    code, printed, errors = docket("submit-sor")

    assert code == 1
    assert "submitted 2 statements" in printed and "1 refused" in printed
    assert f"the database refused {puids[2]}: decision_facts: The decision facts must name the law." in errors
    assert sorted(server.state.stored) == sorted(puids[:2])
    rejected = submissions(api, submission="REJECTED")
    assert list(rejected) == [puids[2]] and "must name the law" in rejected[puids[2]]["reason"]

    # Refused statements are not sent again unless asked; asked, once the database takes them, they are stored.
    code, printed, _ = docket("submit-sor")
    assert code == 0 and "0 requests" in printed
    server.state.refuse.clear()
    code, printed, _ = docket("submit-sor", "--retry-rejected")
    assert code == 0 and "submitted 1 statements" in printed
    assert server.state.batches[-1] == [puids[2]] and len(server.state.stored) == 3


def test_429_waits_as_retry_after_asks_and_500_is_tried_again(
    api: Api, docket: Docket, server: ContractServer
) -> None:
    puids = decided(api, 2)
    server.state.script = ["429", "500", "500"]
    started = time.monotonic()

    code, printed, _ = docket("submit-sor")

    assert code == 0 and "submitted 2 statements" in printed and "4 requests" in printed
    assert time.monotonic() - started >= server.state.retry_after
    assert server.state.batches == [puids] * 4 and sorted(server.state.stored) == sorted(puids)


def test_requests_keep_to_the_configured_rate(
    api: Api, docket: Docket, server: ContractServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    decided(api, 1)
    server.state.script = ["500"] * 4
    monkeypatch.setenv("DOCKET_DSA_RATE", "5")
    monkeypatch.setenv("DOCKET_DSA_BACKOFF", "0")

    assert docket("submit-sor")[0] == 0

    arrivals = server.state.arrivals  # 5 requests at 5 a second take 0.8 s from the first to the last at least
    assert len(arrivals) == 5 and arrivals[-1] - arrivals[0] >= 0.75


def test_an_endpoint_that_stays_down_stops_the_run_and_loses_nothing(
    api: Api, docket: Docket, server: ContractServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    puids = decided(api, 2)
    monkeypatch.setenv("DOCKET_DSA_ATTEMPTS", "3")
    server.state.script = ["500"] * 3

    code, printed, errors = docket("submit-sor")

    assert code == 1 and "2 not stored; 3 requests" in printed
    assert "stopped: 3 attempts at a batch of 2 failed, the last with HTTP 500" in errors
    assert {s["status"] for s in submissions(api).values()} == {"PENDING"}
    assert all("HTTP 500" in s["reason"] for s in submissions(api).values())

    code, printed, _ = docket("submit-sor")
    assert code == 0 and "submitted 2 statements" in printed
    assert sorted(server.state.stored) == sorted(puids)
    assert {s["requests"] for s in submissions(api).values()} == {2}


def test_an_unreachable_endpoint_leaves_the_statements_to_look_up_before_they_are_sent(
    api: Api, docket: Docket, server: ContractServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    puids = decided(api, 2)
    monkeypatch.setenv("DOCKET_DSA_ATTEMPTS", "2")
    with socket.socket() as bound:  # a port that was bound and is closed again: nobody answers
        bound.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{bound.getsockname()[1]}/api/v1"

    code, _, errors = docket("submit-sor", "--endpoint", closed)

    assert code == 1 and "the last with no answer (ConnectError" in errors
    assert {s["status"] for s in submissions(api).values()} == {"SENDING"}

    code, printed, _ = docket("submit-sor")
    assert code == 0 and "submitted 2 statements" in printed
    assert sorted(server.state.lookups) == sorted(puids) and server.state.batches == [puids]


def test_a_batch_stored_whose_answer_was_lost_is_found_by_its_puids_and_never_sent_again(
    api: Api, docket: Docket, server: ContractServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    puids = decided(api, 3)
    monkeypatch.setenv("DOCKET_DSA_TIMEOUT", "0.3")
    monkeypatch.setenv("DOCKET_DSA_ATTEMPTS", "1")
    server.state.script, server.state.lost_for = ["lost"], 1.0

    # The run stops with the batch unanswered, as a process killed while it waited would.
    code, _, errors = docket("submit-sor")
    assert code == 1 and "no answer" in errors
    assert {s["status"] for s in submissions(api).values()} == {"SENDING"}

    code, printed, _ = docket("submit-sor")

    assert code == 0 and "submitted 0 statements of reasons (3 more were in the database already)" in printed
    assert server.state.batches == [puids] and sorted(server.state.lookups) == sorted(puids)
    assert {s["status"] for s in submissions(api).values()} == {"SUBMITTED"}


def test_a_bad_token_is_refused_at_once_and_no_endpoint_or_token_sends_nothing(
    api: Api, docket: Docket, server: ContractServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    decided(api, 1)
    monkeypatch.setenv("DOCKET_DSA_TOKEN", "stale")
    code, _, errors = docket("submit-sor")
    assert code == 1 and "the database refused the request: HTTP 401" in errors
    assert len(server.state.batches) == 0 and {s["status"] for s in submissions(api).values()} == {"PENDING"}

    monkeypatch.delenv("DOCKET_DSA_TOKEN")
    code, _, errors = docket("submit-sor")
    assert code == 2 and "no bearer token: set DOCKET_DSA_TOKEN" in errors
    monkeypatch.setenv("DOCKET_DSA_TOKEN", TOKEN)
    monkeypatch.delenv("DOCKET_DSA_ENDPOINT")
    code, _, errors = docket("submit-sor")
    assert code == 2 and "no endpoint: set DOCKET_DSA_ENDPOINT" in errors
    code, _, errors = docket("submit-sor", "--endpoint", server.endpoint, "--from", "2026-03-02", "--to", "2026-03-01")
    assert code == 2 and "must not be before --from" in errors
    assert server.state.batches == []


def test_following_it_sends_what_comes_and_outlasts_an_endpoint_that_was_down(
    api: Api, server: ContractServer, database_url: str
) -> None:
    puids = decided(api, 2)
    server.state.script = ["500", "500"]
    env = clean_env(DOCKET_DATABASE_URL=database_url, DOCKET_DSA_ENDPOINT=server.endpoint, DOCKET_DSA_TOKEN=TOKEN,
                    DOCKET_DSA_BACKOFF="0.01", DOCKET_DSA_ATTEMPTS="2")
    process = subprocess.Popen([DOCKET, "submit-sor", "--follow", "--every", "0.2"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: len(server.state.stored) == 2)
        later = f"docket-{decide(api, subject=subject('pin-later'), idempotencyKey='later')['id']}"
        wait_until(lambda: later in server.state.stored)
    finally:
        process.send_signal(signal.SIGTERM)
        printed, _ = process.communicate(timeout=30)
    assert process.returncode == 0, printed
    assert "stopped: 2 attempts at a batch of 2 failed, the last with HTTP 500" in printed
    assert server.state.sent() == puids * 3 + [later]


def wait_until(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize(("status", "body", "headers", "read"), [
    (201, {"statements": [{"puid": "a", "uuid": "u-a"}, {"puid": "b"}]}, {}, Stored({"a": "u-a", "b": None})),
    (422, {"errors": {"statement_0": {"puid": ["bad"]}, "statements.1.decision_ground": ["required"]}}, {},
     Refused({0: "puid: bad", 1: "decision_ground: required"})),
    (422, {"message": DUPLICATE, "existing": {"puid": "a", "uuid": "u-a"}}, {}, Refused({}, {"a": "u-a"}, DUPLICATE)),
    (422, {"message": "The statements field is required.", "errors": {"statements": ["required"]}}, {},
     Unstored(422, '{"message":"The statements field is required.","errors":{"statements":["required"]}}')),
    (429, {}, {"Retry-After": "7"}, Unstored(429, "{}", 7.0)),
])
def test_the_database_s_answers_are_read_as_what_they_say_of_each_statement(
    status: int, body: dict[str, Any], headers: dict[str, str], read: object
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        return httpx.Response(status, content=json.dumps(body, separators=(",", ":")), headers=headers)

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        assert TransparencyDatabase(client, "http://db/api/v1", TOKEN).submit([{"puid": "a"}, {"puid": "b"}]) == read

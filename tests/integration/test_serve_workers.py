"""`docket serve --workers 2`: two processes on one port, one of them projecting, one replaced when killed."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from bench.servers import STARTUP, Server, admin_server, clean_env, docket

RECORD = """mutation($i: RecordDetectionInput!) {
  recordDetection(input: $i) { __typename ... on Detection { id position } } }"""
CASE = """query($s: SubjectInput!, $p: String) {
  case(subject: $s, minPosition: $p) { detections { id } } }"""
EVENTS = """query($after: String, $p: String) { events(after: $after, first: 500, minPosition: $p) {
  edges { node { type aggregateId data } } pageInfo { hasNextPage endCursor } } }"""
TAKEOVER = 20.0
"""Seconds within which a killed worker is replaced and another process projects (tries come every 2 s)."""
PLAN = {"sqlite": re.compile(r"^docket serve: 2 workers on "),
        "postgres": re.compile(r"^docket serve: 2 workers x \d+ PostgreSQL connections .* of max_connections \d+")}


@contextmanager
def two_workers(tmp_path: Path, database_url: str) -> Iterator[tuple[Server, str]]:
    with admin_server(tmp_path, database_url, serve_args=("--workers", "2")) as (server, token):
        engine = "postgres" if database_url.startswith("postgresql") else "sqlite"
        server.read_match(PLAN[engine], time.monotonic() + STARTUP)
        yield server, token


def health(client: httpx.Client) -> dict[str, Any]:
    answer: dict[str, Any] = client.get("/healthz", timeout=5).json()
    return answer


def pinned(stack: ExitStack, server: Server, token: str, count: int = 2) -> dict[int, httpx.Client]:
    """A client per worker, by pid: each keeps its connection, so all its requests reach that worker."""
    clients: dict[int, httpx.Client] = {}
    deadline = time.monotonic() + STARTUP
    while len(clients) < count:
        assert time.monotonic() < deadline, f"only workers {sorted(clients)} answered"
        client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})
        try:
            pid = health(client)["worker"]
        except httpx.TransportError:  # a worker still starting, or just killed
            client.close()
            time.sleep(0.1)
            continue
        if pid in clients:
            client.close()
        else:
            clients[pid] = client
            stack.callback(client.close)
    return clients


def graphql(client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables}, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def detection(external_id: str) -> dict[str, Any]:
    return {"subject": {"domain": "trust_safety", "kind": "pin", "id": f"pin-{external_id}"}, "accountId": "acct-1",
            "policy": "spam", "source": "CLASSIFIER", "externalId": external_id, "confidence": 0.9,
            "model": "spam-clf-v3", "contentType": "TEXT"}


def record(client: httpx.Client, external_id: str) -> dict[str, Any]:
    recorded: dict[str, Any] = graphql(client, RECORD, {"i": detection(external_id)})["recordDetection"]
    assert recorded["__typename"] == "Detection", recorded
    return recorded


def case_detections(client: httpx.Client, external_id: str, position: str) -> list[str]:
    subject = detection(external_id)["subject"]
    return [d["id"] for d in graphql(client, CASE, {"s": subject, "p": position})["case"]["detections"]]


def stored_detections(client: httpx.Client) -> dict[str, list[str]]:
    """Every detection in the ledger (its events, once the read side has them all): its ids by external id."""
    stored: dict[str, list[str]] = {}
    after, written = None, graphql(client, "{ health { head } }", {})["health"]["head"]
    while True:
        page = graphql(client, EVENTS, {"after": after, "p": written})["events"]
        for node in (edge["node"] for edge in page["edges"]):
            if node["type"] == "Detection.Recorded":
                stored.setdefault(node["data"]["facts"]["external_id"], []).append(node["aggregateId"])
        if not page["pageInfo"]["hasNextPage"]:
            return stored
        after = page["pageInfo"]["endCursor"]


def projecting(clients: dict[int, httpx.Client]) -> list[int]:
    return [pid for pid, client in clients.items() if health(client)["projecting"]]


def test_two_workers_answer_on_one_port_one_projects_and_each_reads_the_others_writes(
    database_url: str, tmp_path: Path
) -> None:
    with two_workers(tmp_path, database_url) as (server, token), ExitStack() as stack:
        clients = pinned(stack, server, token)
        assert server.process.pid not in clients
        assert len(projecting(clients)) == 1
        for writer, reader in (list(clients.values()), list(clients.values())[::-1]):
            external_id = uuid.uuid4().hex
            written = record(writer, external_id)
            assert case_detections(reader, external_id, written["position"]) == [written["id"]]


def test_a_killed_worker_is_replaced_another_projects_and_no_acknowledged_write_is_lost(
    database_url: str, tmp_path: Path
) -> None:
    with two_workers(tmp_path, database_url) as (server, token), ExitStack() as stack:
        clients = pinned(stack, server, token)
        [leader] = projecting(clients)
        [survivor] = [pid for pid in clients if pid != leader]
        acknowledged: dict[str, str] = {}
        stop = threading.Event()

        def write() -> None:
            """Records detections until stopped, each sent again (it is idempotent) until it is acknowledged."""
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as client:
                while not stop.is_set():
                    external_id = uuid.uuid4().hex
                    while True:
                        try:
                            acknowledged[external_id] = record(client, external_id)["id"]
                            break
                        except httpx.TransportError:  # its worker was killed: a new connection, maybe another one
                            time.sleep(0.05)

        writers = [threading.Thread(target=write) for _ in range(4)]
        for writer in writers:
            writer.start()
        try:
            time.sleep(1.0)
            os.kill(leader, signal.SIGKILL)
            for _ in range(5):  # the survivor goes on answering
                external_id = uuid.uuid4().hex
                assert record(clients[survivor], external_id)["id"]
            deadline = time.monotonic() + TAKEOVER
            while True:
                assert time.monotonic() < deadline, "the killed worker was not replaced, or nobody took over projecting"
                with ExitStack() as probes:
                    live = pinned(probes, server, token)
                    if leader not in live and len(projecting(live)) == 1:
                        break
                time.sleep(0.2)
            time.sleep(1.0)
        finally:
            stop.set()
            for writer in writers:
                writer.join(timeout=60)
        assert survivor in live and len(acknowledged) > 20

        stored = stored_detections(clients[survivor])
        assert {key: stored.get(key) for key in acknowledged} == {key: [id_] for key, id_ in acknowledged.items()}
        last = record(clients[survivor], "after-the-takeover")
        assert case_detections(clients[survivor], "after-the-takeover", last["position"]) == [last["id"]]


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_serve_refuses_fewer_than_one_worker(workers: str, tmp_path: Path) -> None:
    refused = docket("serve", "--workers", workers, cwd=tmp_path, env=clean_env())
    assert refused.returncode == 2 and "must be 1 or more" in refused.stderr


ACCOUNT = """query($p: String) {
  account(id: "acct-1", minPosition: $p) { standing { strikePoints } strikes { id } } }"""
DECIDE = """mutation($i: DecideInput!) {
  decide(input: $i) { __typename ... on Decision { position strike { id } } } }"""


def test_each_worker_gives_a_kept_account_answer_only_until_another_worker_writes_to_it(
    database_url: str, tmp_path: Path
) -> None:
    with two_workers(tmp_path, database_url) as (server, token), ExitStack() as stack:
        clients = list(pinned(stack, server, token).values())
        record(clients[0], "first")
        settled = record(clients[0], "settled")["position"]
        for client in clients:
            graphql(client, ACCOUNT, {"p": settled})
        before = [graphql(c, ACCOUNT, {})["account"] for c in clients for _ in range(2)]  # the second one kept
        decided = graphql(clients[1], DECIDE, {"i": {
            "subject": detection("first")["subject"], "accountId": "acct-1", "policy": "spam", "outcome": "VIOLATING",
            "actions": [{"type": "REMOVE"}], "rationale": "Spam."}})["decide"]
        waited = [graphql(c, ACCOUNT, {"p": decided["position"]})["account"] for c in clients]
        after = [graphql(c, ACCOUNT, {})["account"] for c in clients]

    assert [a["standing"]["strikePoints"] for a in before] == [0, 0, 0, 0]
    struck = {"standing": {"strikePoints": 1}, "strikes": [{"id": decided["strike"]["id"]}]}
    assert waited == after == [struck, struck]

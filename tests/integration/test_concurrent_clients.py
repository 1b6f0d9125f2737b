"""32 clients at once on a live `docket serve`: every request is answered, and every acknowledged write is stored once.

On SQLite, the default, writes wait in line for its single writer; they used to be refused (503) after 5 s.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from app.auth.tokens import create_token
from bench.servers import Server, admin_server
from tests.api.ledger_api import RECORD_DETECTION
from tests.api.review_api import CLAIM_NEXT, CREATE_QUEUE, SET_ROUTING, SUBMIT_REPORT

CLIENTS = 32
ROUNDS = 4
"""Each client's rounds of recordDetection, submitReport, claimNext and a read, one request after another."""
QUEUE = "ts_general"
EVENTS = """query($after: String, $p: String) { events(after: $after, first: 500, minPosition: $p) {
  edges { node { type aggregateId actor } } pageInfo { hasNextPage endCursor } } }"""
READ = "query($s: SubjectInput!) { case(subject: $s) { status reports { id } } }"


@dataclass
class Acknowledged:
    """What the server acknowledged, as the ledger must hold it: (event type, aggregate id, actor)."""

    writes: list[tuple[str, str, str]] = field(default_factory=list)
    claimed_cases: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wrote(self, event_type: str, aggregate_id: str, actor: str) -> None:
        with self.lock:
            self.writes.append((event_type, aggregate_id, actor))

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text[:300])


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[Server, str, list[str]]]:
    """A live server on a migrated database with a queue every report goes to: it, an admin's token, and one
    admin token per client."""
    tokens = [create_token(tmp_path / "tokens.toml", f"client-{n}", ["admin"], ["*"]) for n in range(CLIENTS)]
    with admin_server(tmp_path, database_url) as (server, admin):
        with httpx.Client(timeout=60) as http:
            for document, variables in (
                (CREATE_QUEUE, {"i": {"name": QUEUE, "domain": "trust_safety", "description": "Everyday review"}}),
                (SET_ROUTING, {"i": {"rules": [], "defaultQueue": QUEUE}}),
            ):
                answer = post(http, server, admin, document, variables)
                assert "errors" not in answer, answer
        yield server, admin, tokens


def post(http: httpx.Client, server: Server, token: str, document: str, variables: dict[str, Any]) -> Any:
    response = http.post(server.graphql_url, json={"query": document, "variables": variables},
                         headers={"Authorization": f"Bearer {token}"})
    return {"status": response.status_code, **response.json()}


def subject(n: int, i: int) -> dict[str, str]:
    return {"domain": "trust_safety", "kind": "pin", "id": f"pin-{n}-{i}"}


def client(server: Server, n: int, token: str, acknowledged: Acknowledged) -> None:
    """One client's rounds; anything but HTTP 200 with data and no errors is a problem."""
    actor = f"client-{n}"

    def answered(operation: str, document: str, variables: dict[str, Any], typename: str | None = None) -> Any:
        """The operation's answer; None, and a problem noted, unless it is what a client asked for."""
        answer = post(http, server, token, document, variables)
        value = (answer.get("data") or {}).get(operation)
        unexpected = typename is not None and value is not None and value.get("__typename") != typename
        if answer["status"] != 200 or "errors" in answer or unexpected:
            acknowledged.problem(f"{operation}: {answer}")
            return None
        return value

    with httpx.Client(timeout=120) as http:
        for i in range(ROUNDS):
            detection = answered("recordDetection", RECORD_DETECTION, {"input": {
                "subject": subject(n, i), "accountId": f"acct-{n}", "policy": "spam", "source": "CLASSIFIER",
                "externalId": f"clf-{n}-{i}", "confidence": 0.9, "contentType": "IMAGE",
            }}, "Detection")
            if detection is not None:
                acknowledged.wrote("Detection.Recorded", detection["id"], actor)
            report = answered("submitReport", SUBMIT_REPORT, {"i": {
                "subject": subject(n, i), "accountId": f"acct-{n}", "reporter": {"id": f"user-{n}", "kind": "USER"},
                "policy": "spam", "text": "This pin links to a known scam site.", "idempotencyKey": f"r-{n}-{i}",
            }}, "Report")
            if report is not None:
                acknowledged.wrote("Report.Submitted", report["id"], actor)
            claimed = answered("claimNext", CLAIM_NEXT, {"q": QUEUE, "lease": 600}, "ClaimedCase")
            if claimed is not None:  # null: nothing left to claim
                acknowledged.wrote("Case.Claimed", claimed["claim"]["caseId"], actor)
                with acknowledged.lock:
                    acknowledged.claimed_cases.append(claimed["claim"]["caseId"])
            answered("case", READ, {"s": subject(n, i)})


def ledger_events(server: Server, token: str) -> Counter[tuple[str, str, str]]:
    """Every event in the ledger, read through the API, counted by (type, aggregate id, actor)."""
    found: Counter[tuple[str, str, str]] = Counter()
    after = None
    with httpx.Client(timeout=60) as http:
        written = post(http, server, token, "{ health { head } }", {})["data"]["health"]["head"]
        while True:
            answer = post(http, server, token, EVENTS, {"after": after, "p": written})
            assert "errors" not in answer, answer
            page = answer["data"]["events"]
            found.update((e["node"]["type"], e["node"]["aggregateId"], e["node"]["actor"]) for e in page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]


def test_32_clients_writing_at_once_are_all_answered_and_each_write_is_stored_once(
    served: tuple[Server, str, list[str]],
) -> None:
    server, admin, tokens = served
    acknowledged = Acknowledged()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        for done in [pool.submit(client, server, n, token, acknowledged) for n, token in enumerate(tokens)]:
            done.result()

    problems = acknowledged.problems
    assert not problems, f"{len(problems)} requests were not answered as asked, e.g. {problems[:3]}"
    assert len(acknowledged.writes) >= CLIENTS * ROUNDS * 2
    assert acknowledged.claimed_cases, "no claimNext found a case to claim"
    assert len(set(acknowledged.claimed_cases)) == len(acknowledged.claimed_cases), "a case was claimed twice"
    stored = ledger_events(server, admin)
    assert [write for write in acknowledged.writes if stored[write] != 1] == []

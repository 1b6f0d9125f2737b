"""A batch interrupted mid-way: a retry, a rollback or a restarted server finishes it, and nothing is decided twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from app.config.settings import Settings
from app.http.asgi import create_app
from app.write.ledger import Ledger
from domain.batch import Batch
from tests.api.bulk_api import (
    BULK_DECIDE,
    batch,
    bulk_decide,
    bulk_input,
    patient,
    reverse_batch,
    wave,
)
from tests.api.ledger_api import account, events_after, head
from tests.support import Api

SIZE = 600  # three chunks


@pytest.fixture
def crashing(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    """The server's ledger dies after deciding the first chunk of a batch, as a killed process would."""
    ledger: Ledger = patient(api).client.app.state.runtime.ledger  # type: ignore[attr-defined]
    decide_chunk = ledger.batches._decide_chunk
    chunks: list[Any] = []

    def crash_after_one(run: Any) -> bool:
        if chunks:
            raise RuntimeError("killed")
        chunks.append(run)
        return decide_chunk(run)

    monkeypatch.setattr(ledger.batches, "_decide_chunk", crash_after_one)
    yield ledger
    monkeypatch.undo()


def interrupted(api: Api, key: str = "wave-9") -> tuple[str, str]:
    """Starts a batch that dies after its first chunk; returns its id and the position before it."""
    before = head(api)
    body = api.post(BULK_DECIDE, {"i": bulk_input(wave(SIZE, accounts=100), idempotencyKey=key)})
    assert body["errors"][0]["message"] == "Unexpected error."
    return str(Batch.create_id("alice", key)), before


def decided_cases(api: Api, after: str) -> Counter[str]:
    return Counter(e["aggregateId"] for e in events_after(api, after, page=500) if e["type"] == "Case.Decided")


def test_an_interrupted_batch_shows_its_progress_and_a_retry_with_its_key_finishes_it(
    api: Api, crashing: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id, before = interrupted(api)
    stalled = batch(api, batch_id, head(api))
    assert (stalled["status"], stalled["decided"], stalled["pending"]) == ("RUNNING", 250, SIZE - 250)

    monkeypatch.undo()
    finished = bulk_decide(api, wave(SIZE, accounts=100), idempotencyKey="wave-9")

    assert (finished["batchId"], finished["created"], finished["status"], finished["decided"]) == (
        batch_id, False, "COMPLETED", SIZE,
    )
    cases = decided_cases(api, before)
    assert len(cases) == SIZE and set(cases.values()) == {1}


def test_rolling_back_an_interrupted_batch_stops_it_and_undoes_only_what_it_decided(
    api: Api, crashing: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id, before = interrupted(api)
    monkeypatch.undo()

    rolled_back = reverse_batch(api, batch_id)

    assert (rolled_back["status"], rolled_back["decided"], rolled_back["reversed"]) == ("REVERSED", 250, 250)
    assert len(decided_cases(api, before)) == 250
    assert account(api, "acct-7", rolled_back["position"])["standing"]["level"] == "GOOD"
    assert batch(api, batch_id, rolled_back["position"])["pending"] == SIZE - 250


def test_a_restarted_server_finishes_a_batch_that_stalled(
    api: Api, crashing: Ledger, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id, before = interrupted(api)
    monkeypatch.undo()
    api.clock.advance(timedelta(minutes=2))

    settings = Settings(database_url=database_url, tokens_file=api.tokens_file)
    with TestClient(create_app(settings, clock=api.clock)) as restarted:
        restarted.app.state.batch_resumer.join(timeout=120)  # type: ignore[attr-defined]

    finished: Any = batch(api, batch_id, head(api))
    assert (finished["status"], finished["decided"], finished["pending"]) == ("COMPLETED", SIZE, 0)
    cases = decided_cases(api, before)
    assert len(cases) == SIZE and set(cases.values()) == {1}


def test_a_server_leaves_alone_a_batch_that_is_still_making_progress(
    api: Api, crashing: Ledger, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id, _ = interrupted(api)
    monkeypatch.undo()

    settings = Settings(database_url=database_url, tokens_file=api.tokens_file)
    with TestClient(create_app(settings, clock=api.clock)) as restarted:
        restarted.app.state.batch_resumer.join(timeout=120)  # type: ignore[attr-defined]

    assert batch(api, batch_id, head(api))["status"] == "RUNNING"


def test_subjects_left_when_the_policy_is_retired_mid_batch_fail_with_the_reason(
    api: Api, crashing: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id, _ = interrupted(api)
    monkeypatch.undo()
    policy = crashing.get_policy("trust_safety", "spam")
    policy.retire("Merged into a broader policy.", "policy:carol", api.clock.now)
    crashing.save(policy)

    finished = bulk_decide(api, wave(SIZE, accounts=100), idempotencyKey="wave-9")

    assert (finished["status"], finished["decided"], finished["failed"]) == ("COMPLETED", 250, SIZE - 250)
    failed = batch(api, batch_id, finished["position"], status="FAILED", first=1)["subjects"]["edges"]
    assert "retired" in failed[0]["node"]["reason"]

"""recordDetection(s): idempotent on source and externalId; a batch is one all-or-nothing transaction."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from app.write.ledger import Ledger
from tests.api.ledger_api import (
    CASE,
    RECORD_DETECTION,
    RECORD_DETECTIONS,
    detection_input,
    events_after,
    head,
    record_detection,
    settle,
    subject,
    types_after,
)
from tests.support import Api


def recorded_count(api: Api, after: str) -> int:
    return sum(1 for e in events_after(api, after) if e["type"] == "Detection.Recorded")


def test_a_detection_is_recorded_with_an_id_and_a_string_position(api: Api) -> None:
    before = head(api)

    detection = record_detection(api)

    assert detection["__typename"] == "Detection"
    assert detection["id"]
    assert isinstance(detection["position"], str) and int(detection["position"]) > int(before)
    assert (detection["policy"], detection["policyVersion"], detection["confidence"]) == ("spam", 1, 0.93)
    assert types_after(api, before) == ["Detection.Recorded"]


def test_a_retried_detection_returns_the_original_and_records_no_second_event(api: Api) -> None:
    before = head(api)
    first = record_detection(api, externalId="clf-77")

    retry = record_detection(api, externalId="clf-77", confidence=0.5, model="spam-clf-v4", evidence={"v": 2})

    assert retry["__typename"] == "Detection"
    assert retry["id"] == first["id"]
    assert retry["confidence"] == 0.93
    assert recorded_count(api, before) == 1


def test_detections_sent_at_once_are_each_answered_with_their_own(api: Api) -> None:
    before = head(api)
    sent = [detection_input(f"clf-at-once-{n}", subject=subject(f"pin-{n}")) for n in range(8)]
    sent[3] = detection_input("clf-at-once-3", policy="no_such_policy")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda i: api.data(RECORD_DETECTION, {"input": i})["recordDetection"], sent))

    assert answers[3]["__typename"] == "NotFoundError"
    assert [a.get("externalId") for a in answers] == [*(f"clf-at-once-{n}" for n in range(3)), None,
                                                       *(f"clf-at-once-{n}" for n in range(4, 8))]
    assert recorded_count(api, before) == 7


ANOTHER_ALLEGATION = {
    "another subject": {"subject": subject("pin-2")},
    "another account": {"accountId": "acct-2"},
    "no account": {"accountId": None},
    "another policy": {"policy": "harassment"},
}


@pytest.mark.parametrize("changes", ANOTHER_ALLEGATION.values(), ids=ANOTHER_ALLEGATION.keys())
def test_a_retry_about_another_subject_account_or_policy_is_a_conflict_and_records_nothing(
    api: Api, changes: dict[str, Any]
) -> None:
    record_detection(api, externalId="clf-78")
    before = head(api)

    retry = record_detection(api, externalId="clf-78", **changes)

    assert retry["__typename"] == "ConflictError"
    assert "'clf-78' from CLASSIFIER was already recorded about another subject, account or policy" in retry["message"]
    assert events_after(api, before) == []


def test_a_batch_retrying_an_external_id_about_another_subject_conflicts_naming_its_index(api: Api) -> None:
    record_detection(api, externalId="batch-0")
    before = head(api)
    elsewhere = subject("pin-2")

    retried = api.data(
        RECORD_DETECTIONS, {"inputs": [detection_input("batch-1"), detection_input("batch-0", subject=elsewhere)]}
    )["recordDetections"]
    repeated = api.data(
        RECORD_DETECTIONS, {"inputs": [detection_input("batch-2"), detection_input("batch-2", subject=elsewhere)]}
    )["recordDetections"]

    for result in (retried, repeated):
        assert result["__typename"] == "ConflictError"
        assert result["message"].startswith("inputs[1]: externalId 'batch-")
    assert events_after(api, before) == []


def test_the_same_external_id_from_another_source_is_another_detection(api: Api) -> None:
    first = record_detection(api, externalId="x-1", source="CLASSIFIER")
    other = record_detection(api, externalId="x-1", source="USER_REPORT")

    assert other["__typename"] == "Detection"
    assert other["id"] != first["id"]


def test_recorded_detections_appear_on_the_case(api: Api) -> None:
    detection = record_detection(api, subject=subject("pin-9"))

    case = api.data(CASE, {"subject": subject("pin-9"), "minPosition": detection["position"]})["case"]

    assert case["status"] == "OPEN"
    assert case["accountId"] == "acct-1"
    assert case["detections"] == [{"id": detection["id"], "source": "CLASSIFIER"}]


def test_a_batch_records_every_detection_in_one_transaction(api: Api) -> None:
    before = head(api)
    inputs = [detection_input(f"batch-{i}", subject=subject(f"pin-{i}")) for i in range(5)]

    batch = api.data(RECORD_DETECTIONS, {"inputs": inputs})["recordDetections"]

    assert batch["__typename"] == "DetectionBatch"
    assert [d["externalId"] for d in batch["detections"]] == [f"batch-{i}" for i in range(5)]
    assert len({d["id"] for d in batch["detections"]}) == 5
    events = events_after(api, before)
    assert [e["type"] for e in events] == ["Detection.Recorded"] * 5
    # One transaction: contiguous positions, the last being the batch's position.
    positions = [int(e["position"]) for e in events]
    assert positions == list(range(positions[0], positions[0] + 5))
    assert batch["position"] == events[-1]["position"]


def test_a_batch_with_retried_entries_returns_their_originals_and_records_only_new_ones(api: Api) -> None:
    original = record_detection(api, externalId="batch-0")
    before = head(api)

    batch = api.data(
        RECORD_DETECTIONS,
        {"inputs": [detection_input("batch-0"), detection_input("batch-1"), detection_input("batch-1")]},
    )["recordDetections"]

    assert batch["__typename"] == "DetectionBatch"
    ids = [d["id"] for d in batch["detections"]]
    assert ids[0] == original["id"]
    assert ids[1] == ids[2] != ids[0]
    assert recorded_count(api, before) == 1


def test_one_bad_input_fails_the_whole_batch_naming_its_index_and_writes_nothing(api: Api) -> None:
    before = head(api)
    inputs = [detection_input(f"batch-{i}") for i in range(4)]
    inputs[2]["confidence"] = 1.5

    result = api.data(RECORD_DETECTIONS, {"inputs": inputs})["recordDetections"]

    assert result["__typename"] == "ValidationError"
    assert result["field"] == "inputs[2].confidence"
    assert "inputs[2]" in result["message"]
    assert events_after(api, before) == []


def test_an_unknown_policy_in_a_batch_is_not_found_naming_its_index_and_writes_nothing(api: Api) -> None:
    before = head(api)
    inputs = [detection_input("batch-0"), detection_input("batch-1", policy="no_such_policy")]

    result = api.data(RECORD_DETECTIONS, {"inputs": inputs})["recordDetections"]

    assert result["__typename"] == "NotFoundError"
    assert "inputs[1]" in result["message"]
    assert events_after(api, before) == []


def test_a_retired_policy_in_a_batch_conflicts_naming_its_first_input_and_writes_nothing(api: Api) -> None:
    ledger: Ledger = api.client.app.state.runtime.ledger  # type: ignore[attr-defined]
    policy = ledger.get_policy("trust_safety", "spam")
    policy.retire("Merged into a broader policy.", "policy:carol", api.clock.now)
    ledger.save(policy)
    before = head(api)
    inputs = [detection_input("batch-0", policy="harassment"), detection_input("batch-1"), detection_input("batch-2")]

    result = api.data(RECORD_DETECTIONS, {"inputs": inputs})["recordDetections"]

    assert result["__typename"] == "ConflictError"
    assert result["message"].startswith("inputs[1]: policy trust_safety/spam is retired")
    assert events_after(api, before) == []


def test_an_empty_batch_records_nothing(api: Api) -> None:
    before = head(api)

    batch = api.data(RECORD_DETECTIONS, {"inputs": []})["recordDetections"]

    assert batch["__typename"] == "DetectionBatch"
    assert batch["detections"] == []
    assert batch["position"] == before
    assert events_after(api, before) == []


def test_a_batch_over_the_limit_is_refused_whole(api: Api) -> None:
    before = head(api)
    inputs = [detection_input(f"bulk-{i}") for i in range(1001)]

    result = api.data(RECORD_DETECTIONS, {"inputs": inputs})["recordDetections"]

    assert result["__typename"] == "ValidationError"
    assert result["field"] == "inputs"
    assert events_after(api, before) == []


LARGE = 40
"""Detections on distinct subjects: with their subjects' indexes, enough events for PostgreSQL's COPY path."""


def large_batch(run: str, count: int = LARGE) -> list[dict[str, Any]]:
    return [detection_input(f"{run}-{i}", subject=subject(f"{run}-pin-{i}")) for i in range(count)]


def test_a_large_batch_sent_again_records_nothing_twice_and_returns_the_originals(api: Api) -> None:
    first = api.data(RECORD_DETECTIONS, {"inputs": large_batch("big")})["recordDetections"]
    before = head(api)

    again = api.data(RECORD_DETECTIONS, {"inputs": large_batch("big")})["recordDetections"]

    assert again["__typename"] == "DetectionBatch"
    assert [d["id"] for d in again["detections"]] == [d["id"] for d in first["detections"]]
    assert events_after(api, before) == []


def test_a_large_batch_mixing_recorded_and_new_detections_records_only_the_new_in_one_run(api: Api) -> None:
    first = api.data(RECORD_DETECTIONS, {"inputs": large_batch("mix", LARGE // 2)})["recordDetections"]
    before = head(api)

    mixed = api.data(RECORD_DETECTIONS, {"inputs": large_batch("mix", 2 * LARGE)})["recordDetections"]

    assert [d["id"] for d in mixed["detections"][: LARGE // 2]] == [d["id"] for d in first["detections"]]
    events = events_after(api, before)
    assert [e["type"] for e in events] == ["Detection.Recorded"] * (2 * LARGE - LARGE // 2)
    assert [e["aggregateId"] for e in events] == [d["id"] for d in mixed["detections"][LARGE // 2:]]
    assert mixed["position"] == events[-1]["position"]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"confidence": -0.1}, "inputs[33].confidence"), ({"evidence": [1, 2]}, "inputs[33].evidence"),
     ({"subject": subject("has space")}, "inputs[33].subject.id")],
)
def test_one_invalid_item_in_a_large_batch_is_a_typed_error_naming_it_and_writes_nothing(
    api: Api, change: dict[str, Any], field: str
) -> None:
    before = head(api)
    inputs = large_batch("bad")
    inputs[33].update(change)

    result = api.data(RECORD_DETECTIONS, {"inputs": inputs})["recordDetections"]

    assert (result["__typename"], result["field"]) == ("ValidationError", field)
    assert events_after(api, before) == []


def test_a_detections_evidence_reads_back_as_it_was_sent(api: Api) -> None:
    evidence = {"score": 0.97, "features": ["link_farm"], "nested": {"hits": 40}}
    record_detection(api, evidence=evidence)
    settle(api)
    found = api.data("query($s: SubjectInput!) { case(subject: $s) { detections { evidence } } }", {"s": subject()})
    assert found["case"]["detections"] == [{"evidence": evidence}]

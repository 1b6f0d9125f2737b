"""bulkDecide and reverseBatch through GraphQL: a spam wave decided and rolled back, progress, and refusals."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from tests.api.bulk_api import (
    BULK_DECIDE,
    batch,
    bulk_decide,
    bulk_input,
    patient,
    reverse_batch,
    wave,
)
from tests.api.ledger_api import account, decide, events_after, head, subject
from tests.api.review_api import case_review, claim_next, standard_queues, submit_report
from tests.support import Api

STANDINGS = """
query($id: String!, $p: String) { account(id: $id, minPosition: $p) {
  standing { level strikePoints activeStrikes penalty { kind } } } }
"""


def standing(api: Api, account_id: str, position: str) -> Any:
    return api.data(STANDINGS, {"id": account_id, "p": position})["account"]["standing"]


def test_a_spam_wave_of_a_thousand_pins_is_decided_then_rolled_back_restoring_every_account(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    patient(api)
    # 1,000 pins from 200 accounts: five strikes each restrict every account.
    started = time.perf_counter()
    decided = bulk_decide(api, wave(1000, accounts=200), idempotencyKey="wave-1")
    decide_seconds = time.perf_counter() - started
    assert decided["__typename"] == "BatchProgress"
    assert (decided["status"], decided["total"], decided["decided"], decided["created"]) == (
        "COMPLETED", 1000, 1000, True,
    )
    restricted = {"level": "RESTRICTED", "strikePoints": 5, "activeStrikes": 5, "penalty": {"kind": "FEATURE_LIMIT"}}
    assert all(standing(api, f"acct-{a}", decided["position"]) == restricted for a in range(200))

    # Roll the wave back.
    started = time.perf_counter()
    rolled_back = reverse_batch(api, decided["batchId"])
    reverse_seconds = time.perf_counter() - started
    assert (rolled_back["status"], rolled_back["reversed"], rolled_back["kept"]) == ("REVERSED", 1000, 0)

    good = {"level": "GOOD", "strikePoints": 0, "activeStrikes": 0, "penalty": None}
    assert all(standing(api, f"acct-{a}", rolled_back["position"]) == good for a in range(200))
    progress = batch(api, decided["batchId"], rolled_back["position"])
    assert (progress["status"], progress["decided"], progress["reversed"], progress["pending"]) == (
        "REVERSED", 1000, 1000, 0,
    )
    assert progress["reversedBy"] == "alice"
    assert progress["reversalRationale"] == "The classifier misfired on this wave."
    with capsys.disabled():
        print(f"\n1,000-subject bulkDecide {decide_seconds:.2f}s, reverseBatch {reverse_seconds:.2f}s")


def test_each_subject_is_decided_in_one_transaction_with_its_strike(api: Api) -> None:
    before = head(api)

    done = bulk_decide(api, wave(3, accounts=1))

    types = [e["type"] for e in events_after(api, before)]
    assert Counter(types) == Counter({
        "Batch.Started": 1, "Batch.SubjectsDecided": 1, "Batch.Completed": 1, "Case.Opened": 3, "Case.Decided": 3,
        "Account.Registered": 1, "Account.StrikeIssued": 3, "Account.PenaltyImposed": 1, "Notice.Issued": 3,
    })
    decisions = [e for e in events_after(api, before) if e["type"] == "Case.Decided"]
    assert {e["data"]["decision"]["batch_id"] for e in decisions} == {done["batchId"]}


def test_progress_shows_skipped_and_failed_subjects_with_their_reasons(api: Api) -> None:
    already = decide(api, subject=subject("pin-1"), accountId="acct-0")
    decide(api, subject=subject("pin-2"), accountId="someone-else", outcome="NOT_VIOLATING", actions=[])

    done = bulk_decide(api, wave(4, accounts=1))

    assert (done["decided"], done["skipped"], done["failed"]) == (2, 1, 1)
    progress = batch(api, done["batchId"], done["position"])
    assert (progress["status"], progress["total"], progress["pending"]) == ("COMPLETED", 4, 0)
    assert progress["startedBy"] == "alice" and progress["policy"] == "spam" and progress["domain"] == "trust_safety"
    nodes = [e["node"] for e in progress["subjects"]["edges"]]
    assert [(n["subject"]["id"], n["status"]) for n in nodes] == [
        ("pin-0", "DECIDED"), ("pin-1", "SKIPPED"), ("pin-2", "FAILED"), ("pin-3", "DECIDED"),
    ]
    assert already["id"] in nodes[1]["reason"]
    assert "someone-else" in nodes[2]["reason"]
    failed = batch(api, done["batchId"], status="FAILED")["subjects"]["edges"]
    assert [e["node"]["index"] for e in failed] == [2]


def test_the_subjects_page_in_batch_order(api: Api) -> None:
    done = bulk_decide(api, wave(5))

    first = batch(api, done["batchId"], done["position"], first=2)["subjects"]
    rest = batch(api, done["batchId"], first=10, after=first["pageInfo"]["endCursor"])["subjects"]

    assert [e["node"]["index"] for e in first["edges"]] == [0, 1] and first["pageInfo"]["hasNextPage"]
    assert [e["node"]["index"] for e in rest["edges"]] == [2, 3, 4] and not rest["pageInfo"]["hasNextPage"]


def test_a_retry_with_the_same_key_returns_the_batch_and_decides_nothing_twice(api: Api) -> None:
    first = bulk_decide(api, wave(10), idempotencyKey="wave-2")
    before = head(api)

    again = bulk_decide(api, wave(10), idempotencyKey="wave-2")

    assert again["batchId"] == first["batchId"]
    assert (again["created"], again["decided"], again["status"]) == (False, 10, "COMPLETED")
    assert head(api) == before


def test_the_same_key_for_another_wave_conflicts_and_writes_nothing(api: Api) -> None:
    bulk_decide(api, wave(10), idempotencyKey="wave-3")
    before = head(api)

    other = bulk_decide(api, wave(11), idempotencyKey="wave-3")

    assert other["__typename"] == "ConflictError"
    assert head(api) == before


def test_rolling_back_keeps_a_decision_made_since_and_a_second_rollback_conflicts(api: Api) -> None:
    done = bulk_decide(api, wave(3))
    later = decide(api, subject=subject("pin-1"), accountId="acct-0", outcome="NOT_VIOLATING", actions=[])

    rolled_back = reverse_batch(api, done["batchId"])

    assert (rolled_back["reversed"], rolled_back["kept"]) == (2, 1)
    kept = batch(api, done["batchId"], rolled_back["position"], status="KEPT")["subjects"]["edges"]
    assert kept[0]["node"]["subject"]["id"] == "pin-1" and "no longer live" in kept[0]["node"]["reason"]
    assert later["__typename"] == "Decision"
    before = head(api)
    again = reverse_batch(api, done["batchId"])
    assert again["__typename"] == "ConflictError" and "already reversed" in again["message"]
    assert head(api) == before


@pytest.mark.parametrize(
    ("subjects", "overrides", "typename", "field"),
    [
        (wave(10_001), {}, "ValidationError", "subjects"),
        ([], {}, "ValidationError", "subjects"),
        (wave(3) + wave(1), {}, "ValidationError", "subjects[3].subject"),
        ([*wave(2), {"subject": subject("ad-1", domain="ads", kind="ad"), "accountId": "a"}], {}, "ValidationError",
         "subjects[2].subject.domain"),
        ([{"subject": subject("pin 1"), "accountId": "a"}], {}, "ValidationError", "subjects[0].subject.id"),
        (wave(2), {"rationale": " "}, "ValidationError", "rationale"),
        (wave(2), {"actions": []}, "ValidationError", "actions"),
        (wave(2), {"actions": [{"type": "REJECT_AD"}]}, "ValidationError", "actions"),
        (wave(2), {"policy": "no_such_policy"}, "NotFoundError", None),
    ],
    ids=["over-10000", "empty", "duplicate", "mixed-domains", "bad-subject", "blank-rationale", "no-actions",
         "action-not-allowed", "unknown-policy"],
)
def test_bad_bulk_input_is_a_typed_error_and_writes_nothing(
    api: Api, subjects: list[dict[str, Any]], overrides: dict[str, Any], typename: str, field: str | None
) -> None:
    before = head(api)

    refused = api.data(BULK_DECIDE, {"i": bulk_input(subjects, **overrides)})["bulkDecide"]

    assert refused["__typename"] == typename, refused
    assert refused.get("field") == field
    assert head(api) == before


def test_an_unknown_or_malformed_batch_cannot_be_reversed_and_nothing_is_written(api: Api) -> None:
    before = head(api)

    unknown = reverse_batch(api, "6f1c2b1e-5d0a-4c55-9a53-8a7c1f6d9e21")
    malformed = reverse_batch(api, "batch-1")

    assert unknown["__typename"] == "NotFoundError"
    assert (malformed["__typename"], malformed["field"]) == ("ValidationError", "batchId")
    assert batch(api, "6f1c2b1e-5d0a-4c55-9a53-8a7c1f6d9e21") is None
    assert head(api) == before


def test_a_not_violating_batch_has_nothing_to_roll_back(api: Api) -> None:
    done = bulk_decide(api, wave(2), outcome="NOT_VIOLATING", actions=[])
    before = head(api)

    refused = reverse_batch(api, done["batchId"])

    assert refused["__typename"] == "ConflictError" and "NOT_VIOLATING" in refused["message"]
    assert head(api) == before
    assert account(api, "acct-0", done["position"])["standing"]["level"] == "GOOD"


def test_a_wave_closes_the_reports_it_answers_and_leaves_a_claimed_case_to_its_reviewer(api: Api) -> None:
    standard_queues(api)
    for item, reporter in (("pin-0", "user-1"), ("pin-1", "user-2")):
        submit_report(api, f"k-{item}", reporter, subject=subject(item), accountId="acct-0")
    rita = api.principal("rita", ["reviewer"])
    claimed = claim_next(api, "ts_general", token=rita)

    done = bulk_decide(patient(api), wave(2))

    held = claimed["claim"]["subject"]["id"]
    free = next(s for s in ("pin-0", "pin-1") if s != held)
    assert (done["decided"], done["failed"]) == (1, 1)
    failure = batch(api, done["batchId"], done["position"], status="FAILED")["subjects"]["edges"][0]["node"]
    assert failure["subject"]["id"] == held and "claimed by rita" in failure["reason"]
    assert [r["status"] for r in case_review(api, free, done["position"])["reports"]] == ["CLOSED"]
    assert [r["status"] for r in case_review(api, held, done["position"])["reports"]] == ["IN_REVIEW"]


def test_each_decision_of_a_wave_names_its_batch(api: Api) -> None:
    done = bulk_decide(api, wave(2))
    solo = decide(api, subject=subject("pin-solo"))
    decisions = "query($s: SubjectInput!, $p: String) { case(subject: $s, minPosition: $p) { decisions { batchId } } }"

    def batch_ids(item: str) -> list[Any]:
        found = api.data(decisions, {"s": subject(item), "p": solo["position"]})["case"]["decisions"]
        return [d["batchId"] for d in found]

    assert batch_ids("pin-1") == [done["batchId"]]
    assert batch_ids("pin-solo") == [None]

"""A kept case answer is given again only while it is still the answer: across detections, decisions and their
reversal it is what an answer read afresh says; asked with minPosition, or with a field that reads more, it is read
afresh each time."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.ledger.test_corrections import reverse
from tests.api.ledger_api import decide, record_detection, settle, subject
from tests.projections.statements import reads_counted
from tests.support import Api

FIELDS = "status detections { externalId } decisions { id live reversedAt strike { points removedAt } }"
KEPT = f"query Kept($s: SubjectInput!, $p: String) {{ case(subject: $s, minPosition: $p) {{ {FIELDS} }} }}"
FRESH = f"query Fresh($s: SubjectInput!) {{ __typename case(subject: $s) {{ {FIELDS} }} }}"
"""The same case with a field that declares nothing: an answer never kept, read afresh each time."""


def both(api: Api) -> tuple[Any, Any]:
    """pin-1's case kept (asked twice, so that the second may come from what the first kept) and read afresh."""
    variables = {"s": subject("pin-1")}
    api.data(KEPT, variables)
    return api.data(KEPT, variables)["case"], api.data(FRESH, variables)["case"]


def test_kept_case_answers_are_the_fresh_ones_across_detections_decisions_and_reversals(api: Api) -> None:
    record_detection(api, subject=subject("pin-1"), externalId="clf-1")
    settle(api)
    seen = [both(api)]
    record_detection(api, subject=subject("pin-1"), externalId="clf-2")
    settle(api)
    seen.append(both(api))
    made = decide(api, subject=subject("pin-1"), idempotencyKey="d-1")
    settle(api)
    seen.append(both(api))
    reverse(api, made["id"])
    settle(api)
    seen.append(both(api))
    record_detection(api, subject=subject("pin-2"), externalId="clf-3")  # another case moves the read model
    settle(api)
    seen.append(both(api))

    assert all(kept == fresh for kept, fresh in seen), [pair for pair in seen if pair[0] != pair[1]]
    assert [len(kept["detections"]) for kept, _ in seen] == [1, 2, 2, 2, 2]
    assert [[d["live"] for d in kept["decisions"]] for kept, _ in seen] == [[], [], [True], [False], [False]]
    assert seen[-1][0]["decisions"][0]["strike"]["removedAt"] is not None


def test_a_kept_case_answer_costs_one_look_at_the_read_models_positions(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_detection(api, subject=subject("pin-1"))
    settle(api)
    api.data(KEPT, {"s": subject("pin-1")})

    with reads_counted(monkeypatch) as sent:
        kept = api.data(KEPT, {"s": subject("pin-1")})["case"]

    assert kept["status"] == "OPEN"
    assert len(sent) == 1 and "FROM projection_positions" in sent[0] and "detections" not in sent[0]


@pytest.mark.parametrize("query", [
    KEPT,
    f"query($s: SubjectInput!) {{ case(subject: $s) {{ {FIELDS} claim {{ holder }} }} }}",
], ids=["min_position", "claim"])
def test_a_case_asked_with_min_position_or_a_field_that_reads_more_is_read_afresh_without_a_look_at_positions(
    api: Api, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    position = record_detection(api, subject=subject("pin-1"))["position"]
    settle(api)
    variables = {"s": subject("pin-1"), "p": position} if query == KEPT else {"s": subject("pin-1")}
    api.data(query, variables)

    with reads_counted(monkeypatch) as sent:
        case = api.data(query, variables)["case"]

    assert case["status"] == "OPEN"
    assert sent and not any("FROM projection_positions" in statement for statement in sent)
    assert any("FROM cases" in statement for statement in sent)

"""A case read with the records its query selects, in one statement, answers as the same case in a page of cases,
whose records load through DataLoaders."""

from __future__ import annotations

from typing import Any

from tests.api.ledger_api import decide, record_detection, settle, subject
from tests.api.review_api import submit_report
from tests.support import Api

DETECTION = """id policy policyVersion source externalId confidence model contentType automated detectedAt position
    evidence content { uri hash version }"""
DECISION = """id policy outcome actions { type } rationale detectionIds automation dsaCategory dsaGround live
    supersededBy supersedes decidedAt decidedBy position reversedAt batchId strike { id points removedAt }"""
CASE = f"id status accountId openedAt updatedAt detections {{ {DETECTION} }} decisions {{ {DECISION} }}"


def _case(api: Api, pin: str, fields: str) -> Any:
    return api.data(f'{{ case(subject: {{domain: "trust_safety", kind: "pin", id: "{pin}"}}) {{ {fields} }} }}')["case"]


def _paged(api: Api) -> dict[str, Any]:
    edges = api.data(f"{{ cases(first: 50) {{ edges {{ node {{ {CASE} subject {{ id }} }} }} }} }}")["cases"]["edges"]
    return {e["node"].pop("subject")["id"]: e["node"] for e in edges}


def test_a_case_read_with_its_records_answers_as_its_page_of_cases_does(api: Api) -> None:
    record_detection(api, subject=subject("pin-1"), externalId="clf-1")
    record_detection(api, subject=subject("pin-1"), externalId="clf-2", confidence=0.5)
    decide(api, subject=subject("pin-1"), idempotencyKey="d-1")
    decide(api, subject=subject("pin-1"), outcome="NOT_VIOLATING", actions=[], idempotencyKey="d-2")  # supersedes
    record_detection(api, subject=subject("pin-2"), externalId="clf-3")  # no decision
    submit_report(api, "report-1", subject=subject("pin-3"), accountId="acct-1")  # neither detection nor decision
    decide(api, subject=subject("pin-4"), idempotencyKey="d-4")  # a decision without a detection
    settle(api)

    paged = _paged(api)

    assert set(paged) == {"pin-1", "pin-2", "pin-3", "pin-4"}
    for pin, case in paged.items():
        assert _case(api, pin, CASE) == case
        assert _case(api, pin, f"status detections {{ {DETECTION} }}")["detections"] == case["detections"]
        assert _case(api, pin, f"decisions {{ {DECISION} }}")["decisions"] == case["decisions"]
    assert [len(paged[pin]["detections"]) for pin in sorted(paged)] == [2, 1, 0, 0]
    assert [len(paged[pin]["decisions"]) for pin in sorted(paged)] == [2, 0, 0, 1]
    assert paged["pin-1"]["decisions"][1]["supersedes"] == paged["pin-1"]["decisions"][0]["id"]


def test_a_case_not_opened_is_null_whatever_records_are_asked(api: Api) -> None:
    record_detection(api, subject=subject("pin-1"))
    settle(api)

    assert _case(api, "pin-9", "status detections { id } decisions { id strike { id } }") is None

"""The review scenario end to end: many reports on one pin, one case on top of its queue, two reviewers, a decision."""

from __future__ import annotations

from tests.api.ledger_api import DECIDE, decide_input, record_detection, subject
from tests.api.review_api import (
    case_review,
    claim_next,
    queue_entries,
    standard_queues,
    submit_report,
)
from tests.support import Api


def test_twenty_reports_make_one_case_on_top_of_its_queue_and_one_decision_closes_them_all(api: Api) -> None:
    # Set up the queues and their routing.
    standard_queues(api)
    rita = api.principal("rita", ["reviewer"])
    sam = api.principal("sam", ["reviewer"])

    # Other work is waiting already: a detection on pin-2, one report on pin-3.
    record_detection(api, subject=subject("pin-2"), externalId="clf-2", confidence=0.35)
    submit_report(api, "r-3", reporter="user-99", subject=subject("pin-3"))

    # Twenty reporters report pin-1.
    reports = [submit_report(api, f"r-{n}", reporter=f"user-{n}") for n in range(20)]
    assert {r["__typename"] for r in reports} == {"Report"}
    assert {r["caseId"] for r in reports} == {reports[0]["caseId"]}
    assert {r["status"] for r in reports} == {"OPEN"}

    # One case, on top of the general queue, with all twenty reports.
    entries = queue_entries(api, "ts_general", reports[-1]["position"])
    assert [e["subject"]["id"] for e in entries] == ["pin-1", "pin-2", "pin-3"]
    assert entries[0]["reports"] == 20
    assert queue_entries(api, "ts_priority") == []

    # Two reviewers claim at the same moment and get different cases; the top one goes first.
    first = claim_next(api, "ts_general", token=rita)
    second = claim_next(api, "ts_general", token=sam)
    assert first["claim"]["subject"]["id"] == "pin-1"
    assert second["claim"]["subject"]["id"] == "pin-2"
    assert (first["claim"]["holder"], second["claim"]["holder"]) == ("rita", "sam")

    # The reports are in review now, and nobody else may decide the case.
    review = case_review(api, position=first["position"])
    assert review["status"] == "OPEN"
    assert {r["status"] for r in review["reports"]} == {"IN_REVIEW"}
    assert review["claim"] == {"holder": "rita", "queue": "ts_general", "live": True}
    refused = api.data(DECIDE, {"input": decide_input()}, token=sam)["decide"]
    assert refused["__typename"] == "ConflictError"
    assert "claimed by rita" in refused["message"]

    # Rita decides: all twenty reports close with the outcome their reporters are told.
    decided = api.data(DECIDE, {"input": decide_input()}, token=rita)["decide"]
    assert decided["__typename"] == "Decision"
    review = case_review(api, position=decided["position"])
    pin_1 = [r for r in review["reports"] if r["subject"]["id"] == "pin-1"]
    assert len(pin_1) == 20
    assert {(r["status"], r["outcome"], r["decisionId"]) for r in pin_1} == {("CLOSED", "VIOLATING", decided["id"])}
    assert {r["told"] for r in pin_1} == {
        "We reviewed the content you reported and acted on it under our spam policy."
    }
    assert review["claim"] is None
    assert review["waiting"] == []
    assert [e["subject"]["id"] for e in queue_entries(api, "ts_general")] == ["pin-2", "pin-3"]

"""Outcomes beyond a verdict: dismiss, escalate, notes and priority; and the reviewer's view of the case."""

from __future__ import annotations

from tests.api.ledger_api import record_detection, subject
from tests.api.review_api import (
    DISMISS,
    ESCALATE,
    NOTE,
    PRIORITY,
    case_review,
    claim_next,
    create_queue,
    queue_entries,
    standard_queues,
    submit_report,
)
from tests.support import Api


def test_dismissing_closes_the_reports_as_not_violating_and_takes_the_case_off_its_queue(api: Api) -> None:
    standard_queues(api)
    submit_report(api, "r-1")
    submit_report(api, "r-2", reporter="user-2")
    claim_next(api, "ts_general")

    dismissed = api.data(DISMISS, {"i": {"subject": subject(), "policy": "spam", "rationale": "Lawful satire."}})
    decision = dismissed["dismissCase"]
    assert (decision["__typename"], decision["outcome"]) == ("Decision", "NOT_VIOLATING")
    review = case_review(api, position=decision["position"])
    assert review["status"] == "CLEARED"
    assert {(r["status"], r["outcome"]) for r in review["reports"]} == {("CLOSED", "NOT_VIOLATING")}
    assert queue_entries(api, "ts_general") == []


def test_escalation_moves_the_work_to_another_queue_with_its_note_and_keeps_it_there(api: Api) -> None:
    standard_queues(api)
    create_queue(api, "ts_experts", description="Specialists")
    submit_report(api, "r-1")
    claim_next(api, "ts_general")

    escalate = {"subject": subject(), "policy": "spam", "queue": "ts_experts", "note": "Coordinated; needs experts."}
    moved = api.data(ESCALATE, {"i": escalate})["escalateCase"]
    assert moved["__typename"] == "CaseUpdate"
    more = submit_report(api, "r-2", reporter="user-2")  # more reports do not route it back
    review = case_review(api, position=more["position"])
    assert review["waiting"] == [{"policy": "spam", "queue": "ts_experts", "reports": 2}]
    assert review["claim"] is None
    assert review["notes"] == [{"kind": "ESCALATION", "note": "Coordinated; needs experts.", "queue": "ts_experts",
                                "priority": None, "actor": "alice"}]
    nowhere = api.data(ESCALATE, {"i": {**escalate, "queue": "nowhere"}})["escalateCase"]
    assert nowhere["__typename"] == "NotFoundError"
    idle = api.data(ESCALATE, {"i": {**escalate, "policy": "scam"}})["escalateCase"]
    assert (idle["__typename"], idle["message"]) == (
        "NotFoundError", "case trust_safety/pin/pin-1 has no work waiting for review under 'scam'"
    )


def test_notes_and_a_priority_override_are_events_on_the_case_in_its_history(api: Api) -> None:
    standard_queues(api)
    record_detection(api, subject=subject("pin-2"), externalId="clf-2", confidence=0.99)
    submit_report(api, "r-1")

    noted = api.data(NOTE, {"i": {"subject": subject(), "note": "Link resolves to a phishing kit."}})["addCaseNote"]
    assert noted["__typename"] == "CaseUpdate"
    raised = api.data(PRIORITY, {"i": {"subject": subject(), "policy": "spam", "priority": 50,
                                       "reason": "Press enquiry"}})["setCasePriority"]
    assert [e["subject"]["id"] for e in queue_entries(api, "ts_general", raised["position"])] == ["pin-1", "pin-2"]
    review = case_review(api, position=raised["position"])  # queueEntries waited for the review queue alone
    assert [n["kind"] for n in review["notes"]] == ["NOTE", "PRIORITY"]
    assert [h["type"] for h in review["history"]] == [
        "Report.Submitted", "Case.Opened", "Case.Reported", "Case.NoteAdded", "Case.Prioritized",
    ]
    unknown = api.data(NOTE, {"i": {"subject": subject("pin-404"), "note": "?"}})["addCaseNote"]
    assert unknown["__typename"] == "NotFoundError"

"""decide: a verdict, its actions and the strike it causes; idempotent retries and supersession."""

from __future__ import annotations

from typing import Any

from tests.api.ledger_api import (
    CASE,
    account,
    decide,
    events_after,
    head,
    record_detection,
    subject,
    types_after,
)
from tests.support import Api

SUPERSESSION = """
query Supersession($subject: SubjectInput!, $id: ID!, $minPosition: String) {
  case(subject: $subject, minPosition: $minPosition) { decisions { id supersedes } }
  decision(id: $id, minPosition: $minPosition) { id supersedes }
}
"""


def case(api: Api, min_position: str, subject_id: str = "pin-1") -> dict[str, Any]:
    return api.data(CASE, {"subject": subject(subject_id), "minPosition": min_position})["case"]


def test_a_violating_decision_strikes_the_account_and_warns_it(api: Api) -> None:
    detection = record_detection(api)

    decision = decide(api, detectionIds=[detection["id"]])

    assert decision["__typename"] == "Decision"
    assert decision["outcome"] == "VIOLATING"
    assert isinstance(decision["position"], str) and int(decision["position"]) > int(detection["position"])
    assert decision["strike"] is not None and decision["strike"]["points"] == 1

    acct = account(api, "acct-1", min_position=decision["position"])
    assert acct["id"] == "acct-1"
    assert acct["standing"] == {"level": "WARNED", "strikePoints": 1, "activeStrikes": 1}
    assert [(s["id"], s["points"], s["policy"]) for s in acct["strikes"]] == [(decision["strike"]["id"], 1, "spam")]
    assert acct["strikes"][0]["expiresAt"].startswith("2027-03-02")

    found = case(api, decision["position"])
    assert found["status"] == "ACTIONED"
    assert [(d["id"], d["outcome"], [a["type"] for a in d["actions"]]) for d in found["decisions"]] == [
        (decision["id"], "VIOLATING", ["REMOVE"])
    ]
    assert found["decisions"][0]["strike"] == {"id": decision["strike"]["id"]}
    assert found["detections"] == [{"id": detection["id"], "source": "CLASSIFIER"}]


def test_a_decision_takes_its_account_from_the_detections_when_none_is_named(api: Api) -> None:
    detection = record_detection(api, accountId="acct-from-detection")

    decision = decide(api, accountId=None, detectionIds=[detection["id"]])

    assert decision["__typename"] == "Decision"
    assert decision["strike"] is not None
    acct = account(api, "acct-from-detection", min_position=decision["position"])
    assert acct["standing"]["activeStrikes"] == 1


def test_decide_writes_the_case_and_the_strike_together(api: Api) -> None:
    before = head(api)

    decision = decide(api)

    events = events_after(api, before)
    assert [e["type"] for e in events] == [
        "Case.Opened", "Case.Decided", "Account.Registered", "Account.StrikeIssued", "Notice.Issued",
    ]
    positions = [int(e["position"]) for e in events]
    assert positions == list(range(positions[0], positions[0] + 5))
    assert decision["position"] == events[-1]["position"]


def test_a_retried_decision_returns_the_original_and_records_nothing(api: Api) -> None:
    first = decide(api, idempotencyKey="review-42")
    before = head(api)

    retry = decide(api, idempotencyKey="review-42")

    assert retry["__typename"] == "Decision"
    assert retry["id"] == first["id"]
    assert retry["strike"] == first["strike"]
    assert events_after(api, before) == []


def test_the_same_idempotency_key_with_another_outcome_is_a_conflict(api: Api) -> None:
    decide(api, idempotencyKey="review-42")
    before = head(api)

    clash = decide(api, idempotencyKey="review-42", outcome="NOT_VIOLATING", actions=[])

    assert clash["__typename"] == "ConflictError"
    assert "review-42" in clash["message"]
    assert events_after(api, before) == []


def test_a_second_decision_supersedes_the_first_without_a_second_strike(api: Api) -> None:
    first = decide(api, idempotencyKey="first")

    second = decide(api, idempotencyKey="second", actions=[{"type": "DEMOTE"}], rationale="Demote instead.")

    assert second["__typename"] == "Decision"
    assert second["id"] != first["id"]
    assert second["supersedes"] == first["id"]
    assert second["strike"] == first["strike"]
    assert "Account.StrikeIssued" not in types_after(api, first["position"])

    acct = account(api, "acct-1", min_position=second["position"])
    assert acct["standing"] == {"level": "WARNED", "strikePoints": 1, "activeStrikes": 1}
    assert len(acct["strikes"]) == 1
    decisions = case(api, second["position"])["decisions"]
    assert [(d["id"], d["live"], d["supersededBy"]) for d in decisions] == [
        (first["id"], False, second["id"]),
        (second["id"], True, None),
    ]


def test_the_case_and_the_decision_name_what_a_redecision_supersedes_as_decide_answered(api: Api) -> None:
    first = decide(api, idempotencyKey="first")
    second = decide(api, idempotencyKey="second", outcome="NOT_VIOLATING", actions=[], rationale="On review.")

    read = api.data(SUPERSESSION, {"subject": subject(), "id": second["id"], "minPosition": second["position"]})

    assert second["supersedes"] == first["id"]
    assert read["case"]["decisions"] == [
        {"id": first["id"], "supersedes": None},
        {"id": second["id"], "supersedes": first["id"]},
    ]
    assert read["decision"] == {"id": second["id"], "supersedes": first["id"]}


def test_a_not_violating_redecision_removes_the_strike_and_restores_good_standing(api: Api) -> None:
    first = decide(api, idempotencyKey="first")

    cleared = decide(api, idempotencyKey="second", outcome="NOT_VIOLATING", actions=[], rationale="On appeal review.")

    assert cleared["__typename"] == "Decision"
    assert cleared["outcome"] == "NOT_VIOLATING"
    assert cleared["strike"] is None
    assert types_after(api, first["position"]) == ["Case.Decided", "Account.StrikeRemoved"]
    acct = account(api, "acct-1", min_position=cleared["position"])
    assert acct["standing"] == {"level": "GOOD", "strikePoints": 0, "activeStrikes": 0}
    assert [s["id"] for s in acct["strikes"]] == [first["strike"]["id"]]
    assert acct["strikes"][0]["removedAt"] is not None
    assert case(api, cleared["position"])["status"] == "CLEARED"


def test_decisions_on_two_subjects_of_one_account_give_two_strikes(api: Api) -> None:
    decide(api, subject=subject("pin-1"))
    second = decide(api, subject=subject("pin-2"))

    acct = account(api, "acct-1", min_position=second["position"])

    assert (acct["standing"]["strikePoints"], acct["standing"]["activeStrikes"]) == (2, 2)
    assert len({s["id"] for s in acct["strikes"]}) == 2


def test_territories_and_actions_are_kept_on_the_decision(api: Api) -> None:
    decision = decide(api, actions=[{"type": "REMOVE", "territories": ["DE", "FR"]}])

    found = case(api, decision["position"])

    assert found["decisions"][0]["actions"] == [{"type": "REMOVE", "territories": ["DE", "FR"]}]

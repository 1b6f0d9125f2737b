"""reverseDecision through GraphQL: a reviewer's correction outside any appeal, and the inputs it refuses."""

from __future__ import annotations

from typing import Any

from tests.api.ledger_api import account, decide, head, subject, types_after
from tests.support import Api

REVERSE = """
mutation($i: ReverseDecisionInput!) { reverseDecision(input: $i) {
  __typename
  ... on Decision { id live reversedAt reversalReason position strike { id removedAt removalReason } }
  ... on ValidationError { message field } ... on NotFoundError { message } ... on ConflictError { message } } }
"""
STANDING = """
query($id: String!, $p: String) { account(id: $id, minPosition: $p) {
  standing { level strikePoints activeStrikes penalty { kind } }
  strikes { decisionId removedAt } penalties { kind liftedAt liftReason } } }
"""
CASE = """
query($s: SubjectInput!, $p: String) { case(subject: $s, minPosition: $p) {
  status decisions { id live reversedAt reversalReason } } }
"""


def reverse(api: Api, decision_id: str, rationale: str = "Wrong policy: this was a parody account.") -> Any:
    return api.data(REVERSE, {"i": {"decisionId": decision_id, "rationale": rationale}})["reverseDecision"]


def test_reversing_a_decision_reverses_its_actions_removes_its_strike_and_recomputes_standing(api: Api) -> None:
    # Two spam strikes restrict the account.
    decide(api, subject=subject("pin-1"))
    second = decide(api, subject=subject("pin-2"))
    before = api.data(STANDING, {"id": "acct-1", "p": second["position"]})["account"]
    assert before["standing"] == {
        "level": "RESTRICTED", "strikePoints": 2, "activeStrikes": 2, "penalty": {"kind": "FEATURE_LIMIT"},
    }

    # A reviewer reverses the second decision.
    reversed_ = reverse(api, second["id"])
    assert reversed_["__typename"] == "Decision"
    assert reversed_["live"] is False and reversed_["reversedAt"] is not None
    assert "parody account" in reversed_["reversalReason"]
    assert reversed_["strike"]["id"] == second["strike"]["id"]
    assert reversed_["strike"]["removedAt"] is not None and "reversed" in reversed_["strike"]["removalReason"]

    # One transaction: the case's reversal, the strike's removal and the penalty's lifting, nothing else.
    assert types_after(api, second["position"]) == [
        "Case.ActionsReversed", "Account.StrikeRemoved", "Account.PenaltyLifted",
    ]
    after = api.data(STANDING, {"id": "acct-1", "p": reversed_["position"]})["account"]
    assert after["standing"] == {"level": "WARNED", "strikePoints": 1, "activeStrikes": 1, "penalty": None}
    assert [p["liftedAt"] is not None for p in after["penalties"]] == [True]
    case = api.data(CASE, {"s": subject("pin-2"), "p": reversed_["position"]})["case"]
    assert case["status"] == "CLEARED"
    assert case["decisions"][0]["live"] is False and case["decisions"][0]["reversedAt"] is not None


def test_reversing_the_only_strike_restores_good_standing(api: Api) -> None:
    made = decide(api)
    reversed_ = reverse(api, made["id"])

    standing = account(api, "acct-1", reversed_["position"])["standing"]
    assert standing == {"level": "GOOD", "strikePoints": 0, "activeStrikes": 0}


def test_reversing_an_already_reversed_decision_conflicts_and_writes_nothing(api: Api) -> None:
    made = decide(api)
    reverse(api, made["id"])
    before = head(api)

    again = reverse(api, made["id"])

    assert again["__typename"] == "ConflictError" and "already reversed" in again["message"]
    assert head(api) == before


def test_unknown_malformed_and_blank_inputs_are_typed_errors_and_write_nothing(api: Api) -> None:
    made = decide(api)
    before = head(api)

    unknown = reverse(api, "6f1c2b1e-5d0a-4c55-9a53-8a7c1f6d9e21")
    malformed = reverse(api, "not-an-id")
    blank = reverse(api, made["id"], rationale="  ")

    assert unknown["__typename"] == "NotFoundError"
    assert (malformed["__typename"], malformed["field"]) == ("ValidationError", "decisionId")
    assert (blank["__typename"], blank["field"]) == ("ValidationError", "rationale")
    assert head(api) == before


def test_a_superseded_or_not_violating_decision_cannot_be_reversed(api: Api) -> None:
    first = decide(api)
    cleared = decide(api, outcome="NOT_VIOLATING", actions=[])
    before = head(api)

    superseded = reverse(api, first["id"])
    clearance = reverse(api, cleared["id"])

    assert superseded["__typename"] == "ConflictError" and "no longer live" in superseded["message"]
    assert clearance["__typename"] == "ConflictError" and "NOT_VIOLATING" in clearance["message"]
    assert head(api) == before

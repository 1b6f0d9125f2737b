"""Appeals through GraphQL: filing, the queue, resolution, and the inputs refused with nothing written."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.api.ledger_api import APPEAL_FIELDS, FILE, RESOLVE
from tests.api.ledger_api import head as ledger_head
from tests.support import Api

DECIDE = """
mutation($i: DecideInput!) { decide(input: $i) {
  __typename ... on Decision { id position strike { id } } ... on ValidationError { message field } } }
"""
APPEAL = f"""
query($id: ID!, $p: String) {{ appeal(id: $id, minPosition: $p) {{ {APPEAL_FIELDS} }} }}
"""
QUEUE = """
query($status: AppealStatus!, $domain: String, $first: Int!, $after: String, $p: String) {
  appeals(status: $status, domain: $domain, first: $first, after: $after, minPosition: $p) {
    edges { cursor node { id decisionId status subject { domain id } } } pageInfo { hasNextPage endCursor } } }
"""
ACCOUNT = """
query($id: String!, $p: String) { account(id: $id, minPosition: $p) {
  standing { level strikePoints penalty { kind } }
  strikes { id decisionId removedAt removalReason }
  penalties { id kind liftedAt liftReason }
  appeals { id decisionId status } } }
"""
CASE = """
query($s: SubjectInput!, $p: String) { case(subject: $s, minPosition: $p) {
  status decisions { id live reversedAt reversalReason } } }
"""
EVENTS = """
query($after: String, $p: String) { events(after: $after, first: 500, minPosition: $p) {
  edges { cursor node { type aggregateId data } } pageInfo { hasNextPage } } }
"""

KINDS = {"trust_safety": ("spam", "REMOVE", "post"), "ads": ("misleading_claims", "REJECT_AD", "ad"),
         "shopping": ("counterfeit", "DELIST_PRODUCT", "listing")}


def subject(domain: str, item: str) -> dict[str, str]:
    return {"domain": domain, "kind": KINDS[domain][2], "id": item}


def decide(api: Api, domain: str, item: str, account: str, outcome: str = "VIOLATING",
           token: str | None = None) -> dict[str, Any]:
    policy, action, _ = KINDS[domain]
    variables = {"i": {"subject": subject(domain, item), "accountId": account, "policy": policy,
                       "outcome": outcome, "actions": [{"type": action}] if outcome == "VIOLATING" else [],
                       "rationale": "reviewed"}}
    result = api.data(DECIDE, variables, token)["decide"]
    assert result["__typename"] == "Decision", result
    return dict(result)


def file(api: Api, decision_id: str, statement: str = "This was a mistake.", key: str | None = None,
         token: str | None = None) -> dict[str, Any]:
    variables = {"i": {"decisionId": decision_id, "statement": statement, "idempotencyKey": key}}
    return dict(api.data(FILE, variables, token)["fileAppeal"])


def resolve(api: Api, appeal_id: str, outcome: str, token: str | None = None,
            rationale: str = "Looked at it again.") -> dict[str, Any]:
    variables = {"i": {"appealId": appeal_id, "outcome": outcome, "rationale": rationale}}
    return dict(api.data(RESOLVE, variables, token)["resolveAppeal"])


def events(api: Api) -> list[dict[str, Any]]:
    """Every event in the ledger, in order."""
    found: list[dict[str, Any]] = []
    after, written = None, ledger_head(api)
    while True:
        page = api.data(EVENTS, {"after": after, "p": written})["events"]
        found += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["edges"][-1]["cursor"]


def head(api: Api) -> tuple[int, str | None]:
    """How many events the ledger holds, and the last cursor."""
    stored = events(api)
    return len(stored), stored[-1]["cursor"] if stored else None


def ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@pytest.fixture
def bo(api: Api) -> str:
    """A second reviewer: the original decider (alice) may not resolve her own decision's appeal."""
    return api.principal("bo", ["reviewer"])


# Filing.


def test_a_filed_appeal_is_pending_in_the_queue_by_id_and_on_the_account(api: Api) -> None:
    decided_at = api.clock.now
    made = decide(api, "ads", "ad-1", "adv-1")
    api.clock.advance(timedelta(days=3))
    appeal = file(api, made["id"], "The claim is substantiated.")

    assert appeal["__typename"] == "Appeal"
    assert appeal["status"] == "PENDING"
    assert appeal["decisionId"] == made["id"]
    assert appeal["subject"] == {"domain": "ads", "kind": "ad", "id": "ad-1"}
    assert appeal["accountId"] == "adv-1"
    assert appeal["policy"] == "misleading_claims"
    assert appeal["statement"] == "The claim is substantiated."
    assert appeal["filedBy"] == "alice"
    assert ts(appeal["filedAt"]) == api.clock.now
    assert ts(appeal["windowEndsAt"]) == decided_at + timedelta(days=180)
    assert (appeal["resolvedAt"], appeal["resolvedBy"], appeal["rationale"]) == (None, None, None)
    assert int(appeal["position"]) > int(made["position"])

    by_id = api.data(APPEAL, {"id": appeal["id"], "p": appeal["position"]})["appeal"]
    assert by_id == {k: v for k, v in appeal.items() if k != "__typename"}
    queue = api.data(QUEUE, {"status": "PENDING", "first": 50, "p": appeal["position"]})["appeals"]
    assert [(e["node"]["id"], e["cursor"]) for e in queue["edges"]] == [(appeal["id"], appeal["position"])]
    assert queue["pageInfo"] == {"hasNextPage": False, "endCursor": appeal["position"]}
    account = api.data(ACCOUNT, {"id": "adv-1", "p": appeal["position"]})["account"]
    assert account["appeals"] == [{"id": appeal["id"], "decisionId": made["id"], "status": "PENDING"}]
    # Filing changes nothing about the strike.
    assert account["strikes"][0]["removedAt"] is None

    (filed,) = [e for e in events(api) if e["node"]["type"] == "Appeal.Filed"]
    assert filed["cursor"] == appeal["position"] and filed["node"]["aggregateId"] == appeal["id"]


def test_an_appeal_on_the_last_day_of_the_window_is_accepted(api: Api) -> None:
    made = decide(api, "shopping", "listing-1", "merchant")
    api.clock.advance(timedelta(days=180))
    appeal = file(api, made["id"])
    assert appeal["__typename"] == "Appeal"
    assert ts(appeal["windowEndsAt"]) == api.clock.now


def test_an_appeal_after_the_window_closed_is_refused_and_writes_nothing(api: Api) -> None:
    made = decide(api, "trust_safety", "post-1", "user-1")
    api.clock.advance(timedelta(days=181))
    before = head(api)

    refused = file(api, made["id"])

    assert refused["__typename"] == "ValidationError"
    assert refused["field"] == "decisionId"
    assert "window" in refused["message"]
    assert head(api) == before
    assert api.data(QUEUE, {"status": "PENDING", "first": 50})["appeals"]["edges"] == []


def test_a_second_appeal_of_one_decision_conflicts_while_a_retry_with_the_same_key_returns_the_first(
    api: Api,
) -> None:
    made = decide(api, "ads", "ad-2", "adv-2")
    first = file(api, made["id"], key="appeal-ad-2")
    assert first["__typename"] == "Appeal"
    before = head(api)

    retried = file(api, made["id"], key="appeal-ad-2")
    assert retried["__typename"] == "Appeal"
    assert retried["id"] == first["id"]
    assert retried["filedAt"] == first["filedAt"]
    assert head(api) == before

    for key in ("another-key", None):
        second = file(api, made["id"], "Please look again.", key=key)
        assert second["__typename"] == "ConflictError", key
        assert first["id"] in second["message"]
    assert head(api) == before
    assert len(api.data(QUEUE, {"status": "PENDING", "first": 50, "p": first["position"]})["appeals"]["edges"]) == 1


def test_a_not_violating_decision_cannot_be_appealed(api: Api) -> None:
    made = decide(api, "trust_safety", "post-2", "user-2", outcome="NOT_VIOLATING")
    before = head(api)
    refused = file(api, made["id"])
    assert refused["__typename"] == "ValidationError"
    assert refused["field"] == "decisionId"
    assert "VIOLATING" in refused["message"]
    assert head(api) == before


def test_a_superseded_decision_cannot_be_appealed_but_the_live_one_can(api: Api) -> None:
    old = decide(api, "trust_safety", "post-3", "user-3")
    live = decide(api, "trust_safety", "post-3", "user-3")
    before = head(api)
    refused = file(api, old["id"])
    assert refused["__typename"] == "ConflictError"
    assert "superseded" in refused["message"]
    assert head(api) == before
    assert file(api, live["id"])["__typename"] == "Appeal"


def test_unknown_and_malformed_ids_are_typed_errors_and_write_nothing(api: Api, bo: str) -> None:
    decide(api, "ads", "ad-3", "adv-3")
    before = head(api)

    unknown_decision = file(api, str(uuid.uuid4()))
    assert unknown_decision["__typename"] == "NotFoundError"
    malformed_decision = file(api, "not-a-decision")
    assert malformed_decision["__typename"] == "ValidationError"
    assert malformed_decision["field"] == "decisionId"
    unknown_appeal = resolve(api, str(uuid.uuid4()), "OVERTURN", bo)
    assert unknown_appeal["__typename"] == "NotFoundError"
    malformed_appeal = resolve(api, "not-an-appeal", "UPHOLD", bo)
    assert malformed_appeal["__typename"] == "ValidationError"
    assert malformed_appeal["field"] == "appealId"
    # A decision's id names a decision, not an appeal.
    assert api.data(APPEAL, {"id": str(uuid.uuid4())})["appeal"] is None
    assert api.data(APPEAL, {"id": "not-an-appeal"})["appeal"] is None

    assert head(api) == before


def test_blank_statement_and_rationale_are_refused(api: Api, bo: str) -> None:
    made = decide(api, "ads", "ad-4", "adv-4")
    before = head(api)
    blank = file(api, made["id"], "   ")
    assert blank["__typename"] == "ValidationError" and blank["field"] == "statement"
    assert head(api) == before

    appeal = file(api, made["id"])
    before = head(api)
    refused = resolve(api, appeal["id"], "UPHOLD", bo, rationale="")
    assert refused["__typename"] == "ValidationError" and refused["field"] == "rationale"
    assert head(api) == before


# Resolving.


def test_the_original_decider_cannot_resolve_the_appeal(api: Api) -> None:
    made = decide(api, "shopping", "listing-2", "merchant-2")
    appeal = file(api, made["id"])
    before = head(api)

    refused = resolve(api, appeal["id"], "OVERTURN")

    assert refused["__typename"] == "ConflictError"
    assert "original decider" in refused["message"]
    assert head(api) == before
    assert api.data(APPEAL, {"id": appeal["id"], "p": appeal["position"]})["appeal"]["status"] == "PENDING"


def test_an_appeal_filed_by_the_appeals_intake_is_resolved_by_a_reviewer_other_than_the_decider(
    api: Api, bo: str
) -> None:
    intake = api.principal("appeals-intake", ["service"])
    made = decide(api, "ads", "ad-5", "adv-5")
    appeal = file(api, made["id"], token=intake)
    assert appeal["filedBy"] == "appeals-intake"
    # The filer is not the decider; only the decider is barred, and alice decided.
    assert resolve(api, appeal["id"], "UPHOLD")["__typename"] == "ConflictError"
    assert resolve(api, appeal["id"], "UPHOLD", bo)["status"] == "UPHELD"


def test_upholding_keeps_the_strike_and_the_penalty_and_records_only_the_resolution(api: Api, bo: str) -> None:
    decide(api, "shopping", "listing-3", "merchant-3")
    made = decide(api, "shopping", "listing-4", "merchant-3")
    appeal = file(api, made["id"])
    api.clock.advance(timedelta(days=2))
    count, last = head(api)
    assert last is not None

    upheld = resolve(api, appeal["id"], "UPHOLD", bo, rationale="The listing is counterfeit.")

    assert upheld["__typename"] == "Appeal"
    assert upheld["status"] == "UPHELD"
    assert upheld["resolvedBy"] == "bo"
    assert ts(upheld["resolvedAt"]) == api.clock.now
    assert upheld["rationale"] == "The listing is counterfeit."
    written = events(api)[count:]
    assert [e["node"]["type"] for e in written] == ["Appeal.Upheld"]
    assert written[0]["cursor"] == upheld["position"]
    assert int(upheld["position"]) == int(last) + 1

    account = api.data(ACCOUNT, {"id": "merchant-3", "p": upheld["position"]})["account"]
    assert account["standing"]["level"] == "RESTRICTED"
    assert account["standing"]["strikePoints"] == 2
    assert all(s["removedAt"] is None for s in account["strikes"])
    assert all(p["liftedAt"] is None for p in account["penalties"])
    assert account["appeals"] == [{"id": appeal["id"], "decisionId": made["id"], "status": "UPHELD"}]
    case = api.data(CASE, {"s": subject("shopping", "listing-4"), "p": upheld["position"]})["case"]
    assert case["status"] == "ACTIONED"
    assert [d["reversedAt"] for d in case["decisions"]] == [None]

    # Resolved once: resolving again, either way, conflicts and writes nothing.
    before = head(api)
    for outcome in ("UPHOLD", "OVERTURN"):
        again = resolve(api, appeal["id"], outcome, bo)
        assert again["__typename"] == "ConflictError", outcome
        assert "already resolved" in again["message"]
    assert head(api) == before


def test_overturning_reverses_the_actions_removes_the_strike_and_lifts_the_penalty_in_one_transaction(
    api: Api, bo: str
) -> None:
    first = decide(api, "trust_safety", "post-4", "user-4")
    second = decide(api, "trust_safety", "post-5", "user-4")
    restricted = api.data(ACCOUNT, {"id": "user-4", "p": second["position"]})["account"]
    assert restricted["standing"]["level"] == "RESTRICTED"
    (limit,) = restricted["penalties"]
    appeal = file(api, second["id"])
    api.clock.advance(timedelta(days=1))
    count, last = head(api)
    assert last is not None

    overturned = resolve(api, appeal["id"], "OVERTURN", bo, rationale="Not spam.")

    assert overturned["__typename"] == "Appeal"
    assert overturned["status"] == "OVERTURNED"
    assert overturned["resolvedBy"] == "bo"
    written = events(api)[count:]
    assert [e["node"]["type"] for e in written] == [
        "Appeal.Overturned", "Case.ActionsReversed", "Account.StrikeRemoved", "Account.PenaltyLifted",
    ]
    positions = [int(e["cursor"]) for e in written]
    assert positions == list(range(int(last) + 1, int(last) + 5))
    assert overturned["position"] == written[-1]["cursor"]
    assert written[0]["node"]["aggregateId"] == appeal["id"]
    assert written[1]["node"]["data"]["decision_id"] == second["id"]
    assert written[2]["node"]["data"]["strike_id"] == second["strike"]["id"]
    assert written[3]["node"]["data"]["penalty_id"] == limit["id"]

    case = api.data(CASE, {"s": subject("trust_safety", "post-5"), "p": overturned["position"]})["case"]
    assert case["status"] == "CLEARED"
    (decision,) = case["decisions"]
    assert decision["id"] == second["id"]
    assert decision["live"] is False
    assert ts(decision["reversedAt"]) == api.clock.now
    assert appeal["id"] in decision["reversalReason"] and "Not spam." in decision["reversalReason"]
    untouched = api.data(CASE, {"s": subject("trust_safety", "post-4")})["case"]
    assert untouched["status"] == "ACTIONED"
    assert [d["reversedAt"] for d in untouched["decisions"]] == [None]

    account = api.data(ACCOUNT, {"id": "user-4", "p": overturned["position"]})["account"]
    assert account["standing"]["level"] == "WARNED"
    assert account["standing"]["strikePoints"] == 1
    assert account["standing"]["penalty"] is None
    removed = {s["decisionId"]: s for s in account["strikes"]}
    assert removed[first["id"]]["removedAt"] is None
    assert ts(removed[second["id"]]["removedAt"]) == api.clock.now
    assert "overturned" in removed[second["id"]]["removalReason"]
    (lifted,) = account["penalties"]
    assert ts(lifted["liftedAt"]) == api.clock.now and "overturned" in lifted["liftReason"]
    assert account["appeals"] == [{"id": appeal["id"], "decisionId": second["id"], "status": "OVERTURNED"}]

    # An overturned appeal is closed for good, and the reversed decision cannot be appealed again.
    before = head(api)
    assert resolve(api, appeal["id"], "UPHOLD", bo)["__typename"] == "ConflictError"
    assert file(api, second["id"])["__typename"] == "ConflictError"
    assert head(api) == before


def test_overturning_a_decision_whose_strike_was_already_removed_reverses_only_the_actions(
    api: Api, bo: str
) -> None:
    made = decide(api, "ads", "ad-6", "adv-6")
    appeal = file(api, made["id"])
    count, _ = head(api)
    overturned = resolve(api, appeal["id"], "OVERTURN", bo)
    assert [e["node"]["type"] for e in events(api)[count:]] == [
        "Appeal.Overturned", "Case.ActionsReversed", "Account.StrikeRemoved",
    ]
    account = api.data(ACCOUNT, {"id": "adv-6", "p": overturned["position"]})["account"]
    assert account["standing"]["level"] == "GOOD"
    # The case is cleared: deciding it again is a new decision with a new strike.
    again = decide(api, "ads", "ad-6", "adv-6")
    assert again["strike"]["id"] != made["strike"]["id"]
    account = api.data(ACCOUNT, {"id": "adv-6", "p": again["position"]})["account"]
    assert (account["standing"]["level"], account["standing"]["strikePoints"]) == ("WARNED", 1)


# The queue.


def test_the_pending_queue_pages_oldest_first_filters_by_domain_and_drops_resolved_appeals(
    api: Api, bo: str
) -> None:
    filed = []
    for n, domain in enumerate(["ads", "shopping", "ads", "trust_safety", "ads"]):
        made = decide(api, domain, f"item-{n}", "queue-acct")
        appeal = file(api, made["id"])
        assert appeal["__typename"] == "Appeal"
        filed.append(appeal)
    p = filed[-1]["position"]

    page1 = api.data(QUEUE, {"status": "PENDING", "first": 2, "p": p})["appeals"]
    assert [e["node"]["id"] for e in page1["edges"]] == [a["id"] for a in filed[:2]]
    assert page1["pageInfo"] == {"hasNextPage": True, "endCursor": filed[1]["position"]}
    page2 = api.data(QUEUE, {"status": "PENDING", "first": 2, "after": page1["pageInfo"]["endCursor"]})["appeals"]
    assert [e["node"]["id"] for e in page2["edges"]] == [a["id"] for a in filed[2:4]]
    assert page2["pageInfo"]["hasNextPage"] is True
    page3 = api.data(QUEUE, {"status": "PENDING", "first": 2, "after": page2["pageInfo"]["endCursor"]})["appeals"]
    assert [e["node"]["id"] for e in page3["edges"]] == [filed[4]["id"]]
    assert page3["pageInfo"] == {"hasNextPage": False, "endCursor": filed[4]["position"]}
    empty = api.data(QUEUE, {"status": "PENDING", "first": 2, "after": page3["pageInfo"]["endCursor"]})["appeals"]
    assert empty == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": filed[4]["position"]}}

    ads = api.data(QUEUE, {"status": "PENDING", "domain": "ads", "first": 50})["appeals"]
    assert [e["node"]["id"] for e in ads["edges"]] == [filed[0]["id"], filed[2]["id"], filed[4]["id"]]
    assert {e["node"]["subject"]["domain"] for e in ads["edges"]} == {"ads"}

    upheld = resolve(api, filed[0]["id"], "UPHOLD", bo)
    overturned = resolve(api, filed[2]["id"], "OVERTURN", bo)
    pending = api.data(QUEUE, {"status": "PENDING", "first": 50, "p": overturned["position"]})["appeals"]
    assert [e["node"]["id"] for e in pending["edges"]] == [filed[1]["id"], filed[3]["id"], filed[4]["id"]]
    assert {e["node"]["status"] for e in pending["edges"]} == {"PENDING"}
    assert [e["node"]["id"] for e in api.data(QUEUE, {"status": "UPHELD", "first": 50})["appeals"]["edges"]] == [
        upheld["id"]
    ]
    assert [e["node"]["id"] for e in api.data(QUEUE, {"status": "OVERTURNED", "first": 50})["appeals"]["edges"]] == [
        overturned["id"]
    ]
    ads = api.data(QUEUE, {"status": "PENDING", "domain": "ads", "first": 50})["appeals"]
    assert [e["node"]["id"] for e in ads["edges"]] == [filed[4]["id"]]

    account = api.data(ACCOUNT, {"id": "queue-acct", "p": overturned["position"]})["account"]
    assert {a["id"]: a["status"] for a in account["appeals"]} == {
        filed[0]["id"]: "UPHELD", filed[1]["id"]: "PENDING", filed[2]["id"]: "OVERTURNED",
        filed[3]["id"]: "PENDING", filed[4]["id"]: "PENDING",
    }


@pytest.mark.parametrize("first", [0, 501])
def test_the_queue_refuses_a_page_size_out_of_range(api: Api, first: int) -> None:
    body = api.post(QUEUE, {"status": "PENDING", "first": first})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}


def test_the_queue_refuses_a_malformed_cursor(api: Api) -> None:
    body = api.post(QUEUE, {"status": "PENDING", "first": 5, "after": "abc"})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}


def test_overturning_a_re_decision_removes_the_strike_its_case_already_counted(api: Api, bo: str) -> None:
    """A VIOLATING re-decision keeps the case's strike (issued for the first decision); overturning it removes it."""
    decide(api, "shopping", "listing-9", "merchant-9")
    first = decide(api, "shopping", "listing-10", "merchant-9")
    again = decide(api, "shopping", "listing-10", "merchant-9")
    assert again["strike"]["id"] == first["strike"]["id"]
    appeal = file(api, again["id"])

    overturned = resolve(api, appeal["id"], "OVERTURN", bo)

    assert overturned["status"] == "OVERTURNED"
    account = api.data(ACCOUNT, {"id": "merchant-9", "p": overturned["position"]})["account"]
    assert account["standing"]["level"] == "WARNED"
    assert account["standing"]["strikePoints"] == 1
    (removed,) = [s for s in account["strikes"] if s["removedAt"] is not None]
    assert removed["id"] == first["strike"]["id"]
    assert [p["liftedAt"] is not None for p in account["penalties"]] == [True]


def test_an_account_as_of_a_past_moment_shows_its_appeals_as_they_stood_then(api: Api, bo: str) -> None:
    made = decide(api, "ads", "ad-7", "adv-7")
    api.clock.advance(timedelta(hours=1))
    appeal = file(api, made["id"])
    api.clock.advance(timedelta(days=2))
    overturned = resolve(api, appeal["id"], "OVERTURN", bo)
    query = """query($id: String!, $asOf: DateTime, $p: String) { account(id: $id, asOf: $asOf, minPosition: $p) {
      standing { level } appeals { id status resolvedAt resolvedBy rationale } } }"""

    def as_of(moment: datetime) -> dict[str, Any]:
        variables = {"id": "adv-7", "asOf": moment.isoformat(), "p": overturned["position"]}
        return dict(api.data(query, variables)["account"])

    before_filing = as_of(api.clock.now - timedelta(days=2, minutes=30))
    assert before_filing["appeals"] == []
    assert before_filing["standing"]["level"] == "WARNED"
    pending = as_of(api.clock.now - timedelta(days=1))
    assert pending["appeals"] == [
        {"id": appeal["id"], "status": "PENDING", "resolvedAt": None, "resolvedBy": None, "rationale": None}
    ]
    assert pending["standing"]["level"] == "WARNED"
    now = as_of(api.clock.now)
    assert [(a["status"], a["resolvedBy"]) for a in now["appeals"]] == [("OVERTURNED", "bo")]
    assert now["standing"]["level"] == "GOOD"


def test_a_retry_with_the_same_key_returns_the_appeal_even_after_the_window_closed(api: Api) -> None:
    made = decide(api, "ads", "ad-8", "adv-8")
    first = file(api, made["id"], key="k-ad-8")
    api.clock.advance(timedelta(days=200))
    before = head(api)
    retried = file(api, made["id"], key="k-ad-8")
    assert (retried["__typename"], retried["id"]) == ("Appeal", first["id"])
    assert head(api) == before


def test_overturning_a_decision_on_a_subject_without_an_account_reverses_only_the_actions(api: Api, bo: str) -> None:
    variables = {"i": {"subject": subject("trust_safety", "orphan-post"), "policy": "spam", "outcome": "VIOLATING",
                       "actions": [{"type": "REMOVE"}], "rationale": "reviewed"}}
    made = api.data(DECIDE, variables)["decide"]
    assert made["strike"] is None
    appeal = file(api, made["id"])
    assert appeal["accountId"] is None
    count, _ = head(api)
    overturned = resolve(api, appeal["id"], "OVERTURN", bo)
    assert overturned["status"] == "OVERTURNED"
    assert [e["node"]["type"] for e in events(api)[count:]] == ["Appeal.Overturned", "Case.ActionsReversed"]
    case = api.data(CASE, {"s": subject("trust_safety", "orphan-post"), "p": overturned["position"]})["case"]
    assert case["status"] == "CLEARED"


def test_a_pending_appeal_whose_decision_was_superseded_can_be_upheld_but_not_overturned(api: Api, bo: str) -> None:
    made = decide(api, "shopping", "listing-11", "merchant-11")
    appeal = file(api, made["id"])
    cleared = decide(api, "shopping", "listing-11", "merchant-11", outcome="NOT_VIOLATING")
    before = head(api)
    refused = resolve(api, appeal["id"], "OVERTURN", bo)
    assert refused["__typename"] == "ConflictError"
    assert "no longer live" in refused["message"]
    assert head(api) == before
    upheld = resolve(api, appeal["id"], "UPHOLD", bo)
    assert upheld["status"] == "UPHELD"
    account = api.data(ACCOUNT, {"id": "merchant-11", "p": upheld["position"]})["account"]
    assert account["standing"]["level"] == "GOOD"  # the NOT_VIOLATING re-decision removed the strike
    assert int(upheld["position"]) > int(cleared["position"])

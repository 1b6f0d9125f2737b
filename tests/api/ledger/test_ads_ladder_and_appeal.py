"""The issue's walkthrough through GraphQL alone: three ads strikes, recovery, appeal, overturn."""

from datetime import timedelta

from tests.support import START, Api

DECIDE = """
mutation($i: DecideInput!) { decide(input: $i) {
  __typename ... on Decision { id position strike { id points } } ... on ValidationError { message field } } }
"""
ACCOUNT = """
query($id: String!, $p: String, $asOf: DateTime) { account(id: $id, minPosition: $p, asOf: $asOf) {
  standing { level strikePoints activeStrikes penalty { kind startsAt endsAt } explanation }
  strikes { id removedAt } penalties { kind liftedAt liftReason } appeals { id status } } }
"""
FILE = """
mutation($i: FileAppealInput!) { fileAppeal(input: $i) {
  __typename ... on Appeal { id status position } ... on ValidationError { message field }
  ... on ConflictError { message } ... on NotFoundError { message } } }
"""
RESOLVE = """
mutation($i: ResolveAppealInput!) { resolveAppeal(input: $i) {
  __typename ... on Appeal { id status position } ... on ConflictError { message }
  ... on ValidationError { message } } }
"""


def _strike_ad(api: Api, ad: str, reviewer: str | None = None) -> dict:
    variables = {"i": {"subject": {"domain": "ads", "kind": "ad", "id": ad}, "accountId": "adv-1",
                       "policy": "misleading_claims", "outcome": "VIOLATING", "actions": [{"type": "REJECT_AD"}],
                       "rationale": "unsubstantiated claim", "idempotencyKey": f"k-{ad}"}}
    return api.data(DECIDE, variables)["decide"]


def test_three_ads_strikes_suspend_the_advertiser_until_they_expire_and_an_overturn_lifts_it(api: Api) -> None:
    first = _strike_ad(api, "ad-1")
    standing = api.data(ACCOUNT, {"id": "adv-1", "p": first["position"]})["account"]["standing"]
    assert standing["level"] == "WARNED"

    api.clock.advance(timedelta(days=1))
    second = _strike_ad(api, "ad-2")
    standing = api.data(ACCOUNT, {"id": "adv-1", "p": second["position"]})["account"]["standing"]
    assert standing["level"] == "RESTRICTED"
    assert standing["penalty"]["kind"] == "FEATURE_LIMIT"

    api.clock.advance(timedelta(days=1))
    third = _strike_ad(api, "ad-3")
    account = api.data(ACCOUNT, {"id": "adv-1", "p": third["position"]})["account"]
    assert account["standing"]["level"] == "SUSPENDED"
    assert account["standing"]["strikePoints"] == 3
    assert account["standing"]["penalty"]["kind"] == "SUSPENSION"
    assert "3+ points: SUSPENDED" in account["standing"]["explanation"]

    # The first strike expires 90 days after it was issued: the suspension ends with no event.
    api.clock.advance(timedelta(days=89))
    standing = api.data(ACCOUNT, {"id": "adv-1"})["account"]["standing"]
    assert standing["level"] == "WARNED"
    assert standing["penalty"] is None
    assert "expired" in standing["explanation"]

    api.clock.advance(timedelta(days=2))
    assert api.data(ACCOUNT, {"id": "adv-1"})["account"]["standing"]["level"] == "GOOD"

    filing = {"decisionId": third["id"], "statement": "The claim is substantiated."}
    appeal = api.data(FILE, {"i": filing})["fileAppeal"]
    assert appeal["__typename"] == "Appeal" and appeal["status"] == "PENDING"

    # The original decider may not resolve it.
    refused = api.data(RESOLVE, {"i": {"appealId": appeal["id"], "outcome": "OVERTURN", "rationale": "ok"}})
    assert refused["resolveAppeal"]["__typename"] == "ConflictError"

    bo = api.principal("bo", ["reviewer"])
    resolved = api.data(
        RESOLVE, {"i": {"appealId": appeal["id"], "outcome": "OVERTURN", "rationale": "Substantiated."}}, token=bo
    )["resolveAppeal"]
    assert resolved["status"] == "OVERTURNED"
    account = api.data(ACCOUNT, {"id": "adv-1", "p": resolved["position"]})["account"]
    assert [a["status"] for a in account["appeals"]] == ["OVERTURNED"]
    assert sum(1 for s in account["strikes"] if s["removedAt"]) == 1
    suspension = next(p for p in account["penalties"] if p["kind"] == "SUSPENSION")
    assert suspension["liftedAt"] is not None and "overturned" in suspension["liftReason"]

    # Asked about the day of the third strike, the ledger still says suspended: history is not rewritten.
    as_of = (START + timedelta(days=2, hours=1)).isoformat()
    assert api.data(ACCOUNT, {"id": "adv-1", "asOf": as_of})["account"]["standing"]["level"] == "SUSPENDED"

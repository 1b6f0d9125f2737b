"""The shipped strike ladders (app/config/ladders.toml), walked through GraphQL with the clock moved.

Each strike is a VIOLATING decision on a distinct subject of one account under a policy worth
one strike point, so the active points are the number of live, unexpired strikes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from projections.statements_of_reasons.validation import violations
from tests.support import START, Api

DECIDE = """
mutation($i: DecideInput!) { decide(input: $i) {
  __typename
  ... on Decision { id position outcome live supersedes strike { id points issuedAt expiresAt removedAt } }
  ... on ValidationError { message field } ... on ConflictError { message } ... on NotFoundError { message } } }
"""
ACCOUNT = """
query($id: String!, $p: String, $asOf: DateTime) { account(id: $id, minPosition: $p, asOf: $asOf) {
  standing { level strikePoints activeStrikes penalty { kind startsAt endsAt features lastsWhilePointsHold }
             explanation }
  standings { domain level strikePoints }
  strikes { id removedAt removalReason }
  penalties { id kind threshold startsAt endsAt liftedAt liftReason } } }
"""

# One policy worth one strike point per domain, an action it allows, and the kind of subject.
POLICY = {
    "trust_safety": ("spam", "REMOVE", "post"),
    "ads": ("misleading_claims", "REJECT_AD", "ad"),
    "shopping": ("counterfeit", "DELIST_PRODUCT", "listing"),
    "monetization": ("reused_content", "DEMONETIZE", "video"),
}


def decide(
    api: Api,
    domain: str,
    subject: str,
    account: str,
    *,
    outcome: str = "VIOLATING",
    policy: str | None = None,
    action: str | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    default_policy, default_action, kind = POLICY[domain]
    actions = [] if outcome == "NOT_VIOLATING" else [{"type": action or default_action}]
    variables = {"i": {"subject": {"domain": domain, "kind": kind, "id": subject}, "accountId": account,
                       "policy": policy or default_policy, "outcome": outcome, "actions": actions,
                       "rationale": f"{outcome.lower()} on review", "idempotencyKey": key}}
    result = api.data(DECIDE, variables)["decide"]
    assert result["__typename"] == "Decision", result
    return dict(result)


def strike(api: Api, domain: str, n: int, account: str) -> dict[str, Any]:
    """The n-th strike: a VIOLATING decision on the account's n-th subject."""
    return decide(api, domain, f"{account}-item-{n}", account)


def account(api: Api, account_id: str, position: str | None = None, as_of: datetime | None = None) -> dict[str, Any]:
    variables = {"id": account_id, "p": position, "asOf": None if as_of is None else as_of.isoformat()}
    found = api.data(ACCOUNT, variables)["account"]
    assert found is not None
    return dict(found)


def standing(api: Api, account_id: str, position: str | None = None, as_of: datetime | None = None) -> dict[str, Any]:
    return dict(account(api, account_id, position, as_of)["standing"])


def ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


# trust_safety: a warning, feature limits from 2 points, then 1, 3, 7 and 30 days of suspension.


def test_trust_safety_warns_then_limits_features_then_suspends_for_1_3_7_and_30_days(api: Api) -> None:
    t0 = api.clock.now
    first = strike(api, "trust_safety", 1, "ts-1")
    got = account(api, "ts-1", first["position"])
    assert got["standing"]["level"] == "WARNED"
    assert got["standing"]["strikePoints"] == 1 and got["standing"]["activeStrikes"] == 1
    assert got["standing"]["penalty"] is None
    assert got["standings"] == [{"domain": "trust_safety", "level": "WARNED", "strikePoints": 1}]
    assert got["penalties"] == []

    # Points 2 to 6: one feature limit, imposed when 2 points are first reached, lasting while 2+ hold.
    for n in range(2, 7):
        made = strike(api, "trust_safety", n, "ts-1")
        got = account(api, "ts-1", made["position"])
        assert got["standing"]["level"] == "RESTRICTED", n
        assert got["standing"]["strikePoints"] == n
        penalty = got["standing"]["penalty"]
        assert penalty["kind"] == "FEATURE_LIMIT"
        assert penalty["features"] == ["post_in_groups", "go_live", "advertise"]
        assert penalty["lastsWhilePointsHold"] is True
        # As things stand it ends when expiring strikes leave fewer than 2 points: all expire a year on.
        assert ts(penalty["endsAt"]) == t0 + timedelta(days=365)
        assert [p["kind"] for p in got["penalties"]] == ["FEATURE_LIMIT"]
    assert "2+ points: RESTRICTED" in got["standing"]["explanation"]

    seventh = strike(api, "trust_safety", 7, "ts-1")
    got = account(api, "ts-1", seventh["position"])
    assert got["standing"]["level"] == "SUSPENDED"
    assert got["standing"]["strikePoints"] == 7
    assert got["standing"]["penalty"]["kind"] == "SUSPENSION"
    assert ts(got["standing"]["penalty"]["startsAt"]) == t0
    assert ts(got["standing"]["penalty"]["endsAt"]) == t0 + timedelta(days=1)
    assert "7+ points: SUSPENDED, suspension for 1 day" in got["standing"]["explanation"]

    # The day-long suspension ends without an event: the feature limit still holds at 7 points.
    api.clock.advance(timedelta(days=1))
    got = standing(api, "ts-1")
    assert got["level"] == "RESTRICTED"
    assert got["strikePoints"] == 7
    assert got["penalty"]["kind"] == "FEATURE_LIMIT"

    for n, days in ((8, 3), (9, 7), (10, 30)):
        made = strike(api, "trust_safety", n, "ts-1")
        now = api.clock.now
        got = standing(api, "ts-1", made["position"])
        assert got["level"] == "SUSPENDED", n
        assert got["strikePoints"] == n
        assert got["penalty"]["kind"] == "SUSPENSION"
        assert ts(got["penalty"]["startsAt"]) == now
        assert ts(got["penalty"]["endsAt"]) == now + timedelta(days=days)
        api.clock.advance(timedelta(days=days) - timedelta(seconds=1))
        assert standing(api, "ts-1")["level"] == "SUSPENDED", n
        api.clock.advance(timedelta(seconds=1))
        assert standing(api, "ts-1")["level"] == "RESTRICTED", n

    everything = account(api, "ts-1")
    assert sorted(p["kind"] for p in everything["penalties"]) == ["FEATURE_LIMIT"] + ["SUSPENSION"] * 4
    assert all(p["liftedAt"] is None for p in everything["penalties"])

    # The first seven strikes expire together a year after they were issued; three points still restrict.
    api.clock.now = t0 + timedelta(days=365)
    got = standing(api, "ts-1")
    assert got["level"] == "RESTRICTED"
    assert got["strikePoints"] == 3
    assert "7 expired strikes no longer count" in got["explanation"]

    # A year after the last strike, none is left.
    api.clock.now = t0 + timedelta(days=1 + 3 + 7 + 365)
    got = standing(api, "ts-1")
    assert got == {"level": "GOOD", "strikePoints": 0, "activeStrikes": 0, "penalty": None,
                   "explanation": got["explanation"]}
    assert "10 expired strikes no longer count" in got["explanation"]


def test_trust_safety_feature_limit_ends_when_expiring_strikes_leave_fewer_than_2_points(api: Api) -> None:
    t0 = api.clock.now
    strike(api, "trust_safety", 1, "ts-2")
    api.clock.advance(timedelta(days=10))
    made = strike(api, "trust_safety", 2, "ts-2")
    got = standing(api, "ts-2", made["position"])
    assert got["level"] == "RESTRICTED"
    assert ts(got["penalty"]["endsAt"]) == t0 + timedelta(days=365)

    api.clock.now = t0 + timedelta(days=365) - timedelta(microseconds=1)
    assert standing(api, "ts-2")["level"] == "RESTRICTED"
    api.clock.now = t0 + timedelta(days=365)
    got = standing(api, "ts-2")
    assert got["level"] == "WARNED"
    assert got["strikePoints"] == 1
    assert got["penalty"] is None
    api.clock.now = t0 + timedelta(days=375)
    assert standing(api, "ts-2")["level"] == "GOOD"


# ads: a warning, a one-week hold, then a suspension while 3 points hold.


def test_ads_warns_then_holds_new_ads_for_a_week_then_suspends_until_strikes_expire(api: Api) -> None:
    t0 = api.clock.now
    first = strike(api, "ads", 1, "adv")
    assert standing(api, "adv", first["position"])["level"] == "WARNED"
    assert ts(first["strike"]["expiresAt"]) == t0 + timedelta(days=90)

    api.clock.advance(timedelta(days=1))
    second = strike(api, "ads", 2, "adv")
    got = standing(api, "adv", second["position"])
    assert got["level"] == "RESTRICTED"
    assert got["penalty"]["kind"] == "FEATURE_LIMIT"
    assert got["penalty"]["features"] == ["new_ads"]
    assert got["penalty"]["lastsWhilePointsHold"] is False
    assert ts(got["penalty"]["endsAt"]) == t0 + timedelta(days=8)

    # The hold lasts seven days, although both strikes still count.
    api.clock.advance(timedelta(days=7))
    got = standing(api, "adv")
    assert got["level"] == "WARNED"
    assert got["strikePoints"] == 2
    assert got["penalty"] is None

    third = strike(api, "ads", 3, "adv")
    got = standing(api, "adv", third["position"])
    assert got["level"] == "SUSPENDED"
    assert got["strikePoints"] == 3
    assert got["penalty"]["kind"] == "SUSPENSION"
    assert got["penalty"]["lastsWhilePointsHold"] is True
    # As things stand, it ends when the first strike expires and 2 points are left.
    assert ts(got["penalty"]["endsAt"]) == t0 + timedelta(days=90)

    api.clock.now = t0 + timedelta(days=90) - timedelta(seconds=1)
    assert standing(api, "adv")["level"] == "SUSPENDED"
    api.clock.now = t0 + timedelta(days=90)
    got = standing(api, "adv")
    assert got["level"] == "WARNED"
    assert got["strikePoints"] == 2
    assert got["penalty"] is None
    api.clock.now = t0 + timedelta(days=98)
    got = standing(api, "adv")
    assert (got["level"], got["strikePoints"]) == ("GOOD", 0)


# shopping: a warning, listings delisted at 2 points, the merchant suspended at 3.


def test_shopping_warns_then_delists_then_suspends_and_recovers_as_strikes_expire_after_180_days(api: Api) -> None:
    t0 = api.clock.now
    first = strike(api, "shopping", 1, "shop")
    assert standing(api, "shop", first["position"])["level"] == "WARNED"

    api.clock.advance(timedelta(days=1))
    second = strike(api, "shopping", 2, "shop")
    got = standing(api, "shop", second["position"])
    assert got["level"] == "RESTRICTED"
    assert got["penalty"]["kind"] == "FEATURE_LIMIT"
    assert got["penalty"]["features"] == ["listings"]
    assert ts(got["penalty"]["endsAt"]) == t0 + timedelta(days=180)

    api.clock.advance(timedelta(days=1))
    third = strike(api, "shopping", 3, "shop")
    got = account(api, "shop", third["position"])
    assert got["standing"]["level"] == "SUSPENDED"
    assert got["standing"]["penalty"]["kind"] == "SUSPENSION"
    assert ts(got["standing"]["penalty"]["endsAt"]) == t0 + timedelta(days=180)
    assert [p["kind"] for p in got["penalties"]] == ["FEATURE_LIMIT", "SUSPENSION"]
    assert [p["threshold"] for p in got["penalties"]] == [2, 3]

    # Each expiry drops a rung: suspended, then restricted, then warned, then good.
    api.clock.now = t0 + timedelta(days=180)
    assert (standing(api, "shop")["level"], standing(api, "shop")["strikePoints"]) == ("RESTRICTED", 2)
    api.clock.now = t0 + timedelta(days=181)
    assert (standing(api, "shop")["level"], standing(api, "shop")["strikePoints"]) == ("WARNED", 1)
    api.clock.now = t0 + timedelta(days=182)
    got = account(api, "shop")
    assert (got["standing"]["level"], got["standing"]["strikePoints"]) == ("GOOD", 0)
    assert got["standings"] == [{"domain": "shopping", "level": "GOOD", "strikePoints": 0}]
    # Nothing was lifted: the penalties simply stopped applying.
    assert all(p["liftedAt"] is None for p in got["penalties"])


def test_domains_are_judged_each_under_its_own_ladder_and_the_worst_level_wins(api: Api) -> None:
    strike(api, "ads", 1, "multi")
    strike(api, "ads", 2, "multi")
    made = strike(api, "shopping", 1, "multi")
    got = account(api, "multi", made["position"])
    assert got["standing"]["level"] == "RESTRICTED"
    assert got["standing"]["strikePoints"] == 3
    assert got["standings"] == [
        {"domain": "ads", "level": "RESTRICTED", "strikePoints": 2},
        {"domain": "shopping", "level": "WARNED", "strikePoints": 1},
    ]


# Zero tolerance: the first strike terminates, whatever the ladder.


def test_a_zero_tolerance_decision_terminates_at_once_and_the_termination_outlives_its_strike(api: Api) -> None:
    t0 = api.clock.now
    made = decide(api, "trust_safety", "csam-1", "zt", policy="child_safety", action="TERMINATE_ACCOUNT")
    got = account(api, "zt", made["position"])
    assert got["standing"]["level"] == "TERMINATED"
    assert got["standing"]["penalty"]["kind"] == "TERMINATION"
    assert ts(got["standing"]["penalty"]["startsAt"]) == t0
    assert got["standing"]["penalty"]["endsAt"] is None
    assert [(p["kind"], p["threshold"], p["endsAt"]) for p in got["penalties"]] == [("TERMINATION", 0, None)]
    assert "until lifted" in got["standing"]["explanation"]

    api.clock.advance(timedelta(days=400))
    got = account(api, "zt")
    assert got["standing"]["level"] == "TERMINATED"
    assert got["standing"]["strikePoints"] == 0  # the strike itself expired after 365 days
    assert got["standing"]["penalty"]["kind"] == "TERMINATION"
    assert got["standing"]["penalty"]["endsAt"] is None
    assert got["standings"] == [{"domain": "trust_safety", "level": "TERMINATED", "strikePoints": 0}]


def test_overturning_a_zero_tolerance_decision_by_re_deciding_lifts_the_termination(api: Api) -> None:
    decide(api, "trust_safety", "csam-2", "zt-2", policy="child_safety", action="REMOVE")
    api.clock.advance(timedelta(hours=1))
    cleared = decide(api, "trust_safety", "csam-2", "zt-2", policy="child_safety", outcome="NOT_VIOLATING")
    got = account(api, "zt-2", cleared["position"])
    assert got["standing"]["level"] == "GOOD"
    assert got["penalties"][0]["kind"] == "TERMINATION"
    assert ts(got["penalties"][0]["liftedAt"]) == api.clock.now
    # Asked about the hour in between, it was terminated.
    as_of = api.clock.now - timedelta(minutes=30)
    assert standing(api, "zt-2", as_of=as_of)["level"] == "TERMINATED"


# Re-decisions on one case and policy.


def test_a_not_violating_re_decision_removes_the_strike_and_lifts_the_penalty_that_no_longer_follows(api: Api) -> None:
    strike(api, "trust_safety", 1, "redo")
    second = strike(api, "trust_safety", 2, "redo")
    assert standing(api, "redo", second["position"])["level"] == "RESTRICTED"

    api.clock.advance(timedelta(hours=2))
    cleared = decide(api, "trust_safety", "redo-item-2", "redo", outcome="NOT_VIOLATING")
    assert cleared["strike"] is None
    assert cleared["supersedes"] == second["id"]
    got = account(api, "redo", cleared["position"])
    assert got["standing"]["level"] == "WARNED"
    assert got["standing"]["strikePoints"] == 1
    assert got["standing"]["penalty"] is None
    removed = next(s for s in got["strikes"] if s["id"] == second["strike"]["id"])
    assert removed["removedAt"] is not None and cleared["id"] in removed["removalReason"]
    (limit,) = got["penalties"]
    assert limit["kind"] == "FEATURE_LIMIT"
    assert ts(limit["liftedAt"]) == api.clock.now
    assert "no longer follows from the ladder" in limit["liftReason"]

    # The lift does not rewrite history: before it, the account was restricted.
    assert standing(api, "redo", as_of=api.clock.now - timedelta(hours=1))["level"] == "RESTRICTED"


def test_a_not_violating_re_decision_keeps_a_penalty_that_still_follows(api: Api) -> None:
    for n in (1, 2, 3):
        made = strike(api, "trust_safety", n, "keep")
    assert standing(api, "keep", made["position"])["level"] == "RESTRICTED"
    cleared = decide(api, "trust_safety", "keep-item-3", "keep", outcome="NOT_VIOLATING")
    got = account(api, "keep", cleared["position"])
    assert got["standing"]["level"] == "RESTRICTED"
    assert got["standing"]["strikePoints"] == 2
    assert [p["liftedAt"] for p in got["penalties"]] == [None]


def test_re_deciding_violating_on_one_case_and_policy_never_counts_twice(api: Api) -> None:
    first = decide(api, "trust_safety", "post-x", "twice", key="first")
    api.clock.advance(timedelta(days=1))
    again = decide(api, "trust_safety", "post-x", "twice", key="second")
    assert again["id"] != first["id"] and again["supersedes"] == first["id"]
    assert again["strike"]["id"] == first["strike"]["id"]
    # A retry with the first key is the first decision again, not a third.
    retried = decide(api, "trust_safety", "post-x", "twice", key="first")
    assert retried["id"] == first["id"]

    got = account(api, "twice", again["position"])
    assert got["standing"]["level"] == "WARNED"
    assert got["standing"]["strikePoints"] == 1
    assert len(got["strikes"]) == 1
    assert got["penalties"] == []

    # Cleared, then violating again: a fresh strike, still only one at a time.
    cleared = decide(api, "trust_safety", "post-x", "twice", outcome="NOT_VIOLATING", key="third")
    assert standing(api, "twice", cleared["position"])["level"] == "GOOD"
    api.clock.advance(timedelta(days=1))
    renewed = decide(api, "trust_safety", "post-x", "twice", key="fourth")
    assert renewed["strike"]["id"] != first["strike"]["id"]
    got = account(api, "twice", renewed["position"])
    assert (got["standing"]["level"], got["standing"]["strikePoints"]) == ("WARNED", 1)
    assert [s["removedAt"] is None for s in got["strikes"]] == [False, True]


# asOf: the standing as it was.


def test_as_of_shows_the_standing_at_a_past_moment_even_after_a_suspension_ended(api: Api) -> None:
    for n in range(1, 7):
        strike(api, "trust_safety", n, "past")
    api.clock.advance(timedelta(hours=6))
    suspended_at = api.clock.now
    seventh = strike(api, "trust_safety", 7, "past")
    assert standing(api, "past", seventh["position"])["level"] == "SUSPENDED"

    api.clock.advance(timedelta(days=30))
    assert standing(api, "past")["level"] == "RESTRICTED"

    during = standing(api, "past", as_of=suspended_at + timedelta(hours=12))
    assert during["level"] == "SUSPENDED"
    assert during["strikePoints"] == 7
    assert ts(during["penalty"]["endsAt"]) == suspended_at + timedelta(days=1)
    assert standing(api, "past", as_of=suspended_at + timedelta(days=1))["level"] == "RESTRICTED"
    before = standing(api, "past", as_of=suspended_at - timedelta(hours=1))
    assert (before["level"], before["strikePoints"]) == ("RESTRICTED", 6)
    at_first = standing(api, "past", as_of=START)
    assert at_first["level"] == "RESTRICTED"  # all six were issued at START
    # The account was first seen as the ledger began: a moment before that is before the ledger itself.
    body = api.post(ACCOUNT, {"id": "past", "asOf": (START - timedelta(seconds=1)).isoformat()})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "asOf"}


def test_as_of_in_the_future_is_refused(api: Api) -> None:
    strike(api, "trust_safety", 1, "future")
    body = api.post(ACCOUNT, {"id": "future", "asOf": (api.clock.now + timedelta(days=1)).isoformat()})
    assert body["data"] is None or body["data"]["account"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_removing_a_later_strike_keeps_a_timed_hold_whose_own_strikes_still_stand(api: Api) -> None:
    """The ads hold imposed at A+B runs its week even after A expires; reversing an unrelated strike C keeps it."""
    t0 = api.clock.now
    strike(api, "ads", 1, "hold")  # A, expires at t0 + 90 days
    api.clock.advance(timedelta(days=89))
    b = strike(api, "ads", 2, "hold")
    got = standing(api, "hold", b["position"])
    assert got["level"] == "RESTRICTED"
    assert ts(got["penalty"]["endsAt"]) == t0 + timedelta(days=96)

    api.clock.advance(timedelta(days=2))  # A has expired; the hold is timed, so it runs on
    got = standing(api, "hold")
    assert (got["level"], got["strikePoints"]) == ("RESTRICTED", 1)

    c = strike(api, "ads", 3, "hold")
    got = account(api, "hold", c["position"])
    assert (got["standing"]["level"], got["standing"]["strikePoints"]) == ("RESTRICTED", 2)
    assert len(got["penalties"]) == 2  # C newly reached 2 points: a second hold

    api.clock.advance(timedelta(hours=1))
    cleared = decide(api, "ads", "hold-item-3", "hold", outcome="NOT_VIOLATING")
    got = account(api, "hold", cleared["position"])
    # C's own hold is lifted; B's, imposed when A and B counted, still follows and runs until t0 + 96 days.
    lifted = {ts(p["startsAt"]): p["liftedAt"] is not None for p in got["penalties"]}
    assert lifted == {t0 + timedelta(days=89): False, t0 + timedelta(days=91): True}
    assert got["standing"]["level"] == "RESTRICTED"
    assert got["standing"]["strikePoints"] == 1
    assert ts(got["standing"]["penalty"]["endsAt"]) == t0 + timedelta(days=96)

    api.clock.now = t0 + timedelta(days=96)
    assert standing(api, "hold")["level"] == "WARNED"


def test_overturning_a_strike_a_timed_hold_counted_lifts_the_hold_even_after_that_strike_expired(api: Api) -> None:
    a = strike(api, "ads", 1, "hold-2")
    api.clock.advance(timedelta(days=89))
    strike(api, "ads", 2, "hold-2")
    api.clock.advance(timedelta(days=2))  # A has expired; the hold runs on until t0 + 96 days
    cleared = decide(api, "ads", "hold-2-item-1", "hold-2", outcome="NOT_VIOLATING")
    assert cleared["supersedes"] == a["id"]
    got = account(api, "hold-2", cleared["position"])
    # Without A, B alone never reached the hold: it no longer follows.
    assert [p["liftedAt"] is not None for p in got["penalties"]] == [True]
    assert (got["standing"]["level"], got["standing"]["strikePoints"]) == ("WARNED", 1)


# monetization: the content demonetized, payouts suspended for 30 days, then out of the programme.

STATEMENTS = """
query($p: String) { statementsOfReasons(minPosition: $p, filter: {domain: "monetization"}) {
  edges { node { decisionId statement } } } }
"""


def test_monetization_demonetizes_then_suspends_payouts_then_ends_monetization_in_statements_too(api: Api) -> None:
    t0 = api.clock.now
    made = [strike(api, "monetization", n, "creator-1") for n in (1, 2, 3)]
    got = account(api, "creator-1", made[-1]["position"])

    assert got["standing"]["level"] == "RESTRICTED"
    assert {(p["kind"], ts(p["endsAt"])) for p in got["penalties"]} == {
        ("FEATURE_LIMIT", t0 + timedelta(days=30)), ("FEATURE_LIMIT", None),
    }
    assert got["standing"]["penalty"]["features"] in (["payouts"], ["monetization_programme"])
    edges = api.data(STATEMENTS, {"p": made[-1]["position"]})["statementsOfReasons"]["edges"]
    statements = {e["node"]["decisionId"]: e["node"]["statement"] for e in edges}
    first, second, third = (statements[m["id"]] for m in made)
    assert (first["decision_monetary"], first["end_date_monetary_restriction"]) == ("DECISION_MONETARY_OTHER", None)
    assert "demonetized" in first["decision_monetary_other"]
    assert (second["decision_monetary"], second["end_date_monetary_restriction"]) == (
        "DECISION_MONETARY_SUSPENSION", (t0 + timedelta(days=30)).date().isoformat())
    assert "decision_monetary_other" not in second
    assert (third["decision_monetary"], third["end_date_monetary_restriction"]) == (
        "DECISION_MONETARY_TERMINATION", None)
    assert all("decision_account" not in s for s in (first, second, third))
    assert [violations(s) for s in (first, second, third)] == [[], [], []]


def test_a_penalty_a_decision_brings_is_in_its_statement_as_its_kind_says(api: Api) -> None:
    made = [strike(api, "trust_safety", n, "ts-9") for n in (1, 2)]
    zero = decide(api, "trust_safety", "ts-9-csam", "ts-9", policy="child_safety", action="REMOVE")
    edges = api.data(STATEMENTS.replace("monetization", "trust_safety"), {"p": zero["position"]})
    statements = {e["node"]["decisionId"]: e["node"]["statement"] for e in edges["statementsOfReasons"]["edges"]}

    assert "decision_provision" not in statements[made[0]["id"]]
    limited = statements[made[1]["id"]]
    assert (limited["decision_provision"], limited["end_date_service_restriction"]) == (
        "DECISION_PROVISION_PARTIAL_SUSPENSION", None)
    assert statements[zero["id"]]["decision_account"] == "DECISION_ACCOUNT_TERMINATED"
    assert [violations(s) for s in statements.values()] == [[] for _ in statements]

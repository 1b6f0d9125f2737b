"""Standing is a function of events and time: asOf, and strikes that expire per domain."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.api.ledger_api import ACCOUNT, account, decide, record_detection, subject
from tests.support import START, Api

GOOD = {"level": "GOOD", "strikePoints": 0, "activeStrikes": 0}
WARNED = {"level": "WARNED", "strikePoints": 1, "activeStrikes": 1}


def iso(moment: datetime) -> str:
    return moment.isoformat()


def test_as_of_in_the_future_is_bad_user_input(api: Api) -> None:
    decision = decide(api)

    body = api.post(ACCOUNT, {"id": "acct-1", "asOf": iso(api.clock() + timedelta(minutes=1)),
                              "minPosition": decision["position"]})

    assert [e["extensions"] for e in body["errors"]] == [{"code": "BAD_USER_INPUT", "argument": "asOf"}]


def test_as_of_without_a_time_zone_is_bad_user_input(api: Api) -> None:
    body = api.post(ACCOUNT, {"id": "acct-1", "asOf": "2026-03-02T09:00:00"})

    assert [e["extensions"] for e in body["errors"]] == [{"code": "BAD_USER_INPUT", "argument": "asOf"}]


def test_as_of_before_the_strike_the_account_was_in_good_standing(api: Api) -> None:
    record_detection(api)  # the account is first seen now
    struck_at = api.clock.advance(timedelta(hours=1))
    decision = decide(api)

    before = account(api, "acct-1", decision["position"], iso(struck_at - timedelta(minutes=30)))
    at = account(api, "acct-1", decision["position"], iso(struck_at))

    assert before["standing"] == GOOD
    assert before["strikes"] == []
    assert at["standing"] == WARNED
    assert [s["id"] for s in at["strikes"]] == [decision["strike"]["id"]]


def test_as_of_before_the_account_was_first_seen_there_is_no_account(api: Api) -> None:
    api.clock.advance(timedelta(hours=1))  # after the ledger began (a moment before it is refused)
    decision = decide(api)

    assert account(api, "acct-1", decision["position"], iso(START + timedelta(minutes=30))) is None


def test_as_of_before_a_removal_the_strike_still_counted(api: Api) -> None:
    first = decide(api, idempotencyKey="first")
    removed_at = api.clock.advance(timedelta(days=3))
    cleared = decide(api, idempotencyKey="second", outcome="NOT_VIOLATING", actions=[], rationale="Overturned.")

    earlier = account(api, "acct-1", cleared["position"], iso(removed_at - timedelta(days=1)))
    now = account(api, "acct-1", cleared["position"])

    assert earlier["standing"] == WARNED
    assert earlier["strikes"][0]["removedAt"] is None
    assert now["standing"] == GOOD
    assert datetime.fromisoformat(now["strikes"][0]["removedAt"]) == removed_at
    assert now["strikes"][0]["id"] == first["strike"]["id"]


@pytest.mark.parametrize(
    "domain, kind, policy, action, lifetime",
    [
        ("trust_safety", "pin", "spam", "REMOVE", timedelta(days=365)),
        ("ads", "ad", "misleading_claims", "REJECT_AD", timedelta(days=90)),
    ],
    ids=["trust_safety-365-days", "ads-90-days"],
)
def test_a_strike_expires_after_its_domains_lifetime_and_stays_listed(
    api: Api, domain: str, kind: str, policy: str, action: str, lifetime: timedelta
) -> None:
    decision = decide(api, subject=subject("s-1", domain=domain, kind=kind), policy=policy,
                      actions=[{"type": action}])
    assert decision["__typename"] == "Decision", decision
    issued_at = api.clock()

    api.clock.advance(lifetime - timedelta(days=1))
    still = account(api, "acct-1", decision["position"])
    api.clock.advance(timedelta(days=2))
    expired = account(api, "acct-1", decision["position"])
    history = account(api, "acct-1", decision["position"], iso(issued_at + timedelta(days=1)))

    assert still["standing"] == WARNED
    assert expired["standing"] == GOOD
    assert [(s["id"], s["policy"]) for s in expired["strikes"]] == [(decision["strike"]["id"], policy)]
    assert datetime.fromisoformat(expired["strikes"][0]["expiresAt"]) == issued_at + lifetime
    assert expired["strikes"][0]["removedAt"] is None
    assert history["standing"] == WARNED

"""The case screen's other buttons: escalate, note, skip, release, renew, reverse; and work someone else holds."""

from __future__ import annotations

from datetime import timedelta

from tests.api.console.console_api import queued_work, sign_in
from tests.api.ledger_api import account, decide, settle, subject
from tests.api.review_api import case_review, claim_next
from tests.support import Api

PIN = {"domain": "trust_safety", "kind": "pin", "id": "pin-1"}


def _claim(api: Api, csrf: str, at: str = "") -> None:
    response = api.client.post("/console/queues/ts_general/claim", data={"csrf": csrf, "at": at},
                               follow_redirects=False)
    assert "/console/case?" in response.headers["location"]


def test_escalating_moves_the_work_with_its_note(api: Api) -> None:
    queued_work(api, ["pin-1"])
    csrf = sign_in(api.client, api.token)
    _claim(api, csrf)
    response = api.client.post("/console/case/escalate", data={
        "csrf": csrf, **PIN, "policy": "spam", "queue": "ts_general", "to": "ads_general", "note": "Looks like an ad",
    }, follow_redirects=False)
    assert response.status_code == 303 and "Escalated+to+ads_general" in response.headers["location"]
    settle(api)
    review = case_review(api)
    assert review["waiting"][0]["queue"] == "ads_general" and review["claim"] is None
    assert any(n["note"] == "Looks like an ad" for n in review["notes"])


def test_skipping_and_releasing_give_the_case_back(api: Api) -> None:
    queued_work(api, ["pin-1"])
    csrf = sign_in(api.client, api.token)
    _claim(api, csrf)
    released = api.client.post("/console/case/release", data={"csrf": csrf, **PIN, "queue": "ts_general"},
                               follow_redirects=False)
    assert "Released" in released.headers["location"]
    _claim(api, csrf, at=released.headers["location"].split("at=")[1])
    skipped = api.client.post("/console/case/skip", data={"csrf": csrf, **PIN, "queue": "ts_general", "next": "1"},
                              follow_redirects=False)
    assert "Nothing+left+to+claim" in skipped.headers["location"]
    settle(api)
    assert case_review(api)["claim"] is None


def test_the_lease_renews_through_htmx(api: Api) -> None:
    queued_work(api, ["pin-1"])
    csrf = sign_in(api.client, api.token)
    _claim(api, csrf)
    api.clock.advance(timedelta(minutes=5))
    renewed = api.client.post("/console/case/renew", data=PIN, headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert renewed.status_code == 200 and 'id="lease"' in renewed.text
    assert (api.clock.now + timedelta(minutes=10)).isoformat()[:16] in renewed.text


def test_a_case_someone_else_holds_cannot_be_decided_and_says_who_holds_it(api: Api) -> None:
    queued_work(api, ["pin-1"])
    other = api.principal("otto", ["reviewer"])
    assert claim_next(api, "ts_general", other)["__typename"] == "ClaimedCase"
    settle(api)
    csrf = sign_in(api.client, api.principal("rita", ["reviewer"]))
    page = api.client.get("/console/case?domain=trust_safety&kind=pin&id=pin-1").text
    assert "Claimed by otto" in page
    refused = api.client.post("/console/case/decide", data={
        "csrf": csrf, **PIN, "policy": "spam", "outcome": "VIOLATING", "actions": "REMOVE", "rationale": "Spam."})
    assert refused.status_code == 409 and "otto" in refused.text


def test_reversing_a_decision_restores_the_standing(api: Api) -> None:
    decided = decide(api, subject=subject("pin-9"), accountId="acct-9")
    settle(api)
    csrf = sign_in(api.client, api.token)
    page = api.client.get("/console/case?domain=trust_safety&kind=pin&id=pin-9").text
    assert "Reverse this decision" in page
    response = api.client.post("/console/case/reverse", data={
        "csrf": csrf, "domain": "trust_safety", "kind": "pin", "id": "pin-9", "decision": decided["id"],
        "rationale": "Wrong account."}, follow_redirects=False)
    assert response.status_code == 303 and "Decision+reversed" in response.headers["location"]
    settle(api)
    assert account(api, "acct-9")["standing"]["level"] == "GOOD"


def test_the_account_page_reads_the_past_with_as_of(api: Api) -> None:
    decide(api, subject=subject("pin-9"), accountId="acct-9")
    api.clock.advance(timedelta(days=1))
    settle(api)
    sign_in(api.client, api.token)
    now = api.client.get("/console/account?id=acct-9").text
    assert "WARNED · 1 points" in now
    before = api.clock.now - timedelta(days=1, minutes=-1)
    past = api.client.get(f"/console/account?id=acct-9&asOf={before.strftime('%Y-%m-%dT%H:%M')}")
    assert past.status_code == 200 and "shown as it stood at" in past.text
    bad = api.client.get("/console/account?id=acct-9&asOf=yesterday")
    assert bad.status_code == 409 and "is not a time" in bad.text

"""Reviewing in the console: the queue, the case screen, deciding, and what a principal may see."""

from __future__ import annotations

import re

from tests.api.console.console_api import queued_work, sign_in
from tests.api.ledger_api import account, decide, head, settle, subject
from tests.api.review_api import submit_report
from tests.support import Api

SCRIPT = "<script>alert('owned')</script><img src=x onerror=alert(1)>"


def _claim(api: Api, csrf: str, queue: str = "ts_general") -> str:
    response = api.client.post(f"/console/queues/{queue}/claim", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_the_home_page_lists_each_queue_with_its_backlog(api: Api) -> None:
    queued_work(api, ["pin-1", "pin-2"])
    sign_in(api.client, api.token)
    page = api.client.get("/console/").text
    row = page[page.index("ts_general"):]
    assert re.search(r'<td class="num">2</td>', row)


def test_the_case_screen_shows_what_is_needed_to_decide(api: Api) -> None:
    queued_work(api, ["pin-1"], contentType="IMAGE", content={"uri": "https://cdn.example/p1.jpg", "hash": "h1",
                                                               "version": "1"})
    decide(api, subject=subject("pin-old"), accountId="acct-0")
    settle(api)
    csrf = sign_in(api.client, api.token)
    page = api.client.get(_claim(api, csrf)).text
    assert 'class="sensitive"' in page and "https://cdn.example/p1.jpg" in page
    assert "Spam and platform manipulation" in page and "Do not post repetitive" in page
    assert "WARNED" in page  # the account's standing after its first strike
    assert "a strike of 1 point, 2 active in trust_safety" in page and "RESTRICTED" in page
    assert 'id="lease"' in page and "Submit and next" in page


def test_a_decision_submitted_with_next_opens_the_next_case(api: Api) -> None:
    queued_work(api, ["pin-1", "pin-2"])
    csrf = sign_in(api.client, api.token)
    first = _claim(api, csrf)
    item = first.split("id=")[1].split("&")[0]
    response = api.client.post("/console/case/decide", data={
        "csrf": csrf, "domain": "trust_safety", "kind": "pin", "id": item, "queue": "ts_general", "policy": "spam",
        "outcome": "VIOLATING", "actions": "REMOVE", "territories": "de fr", "rationale": "Link farm.",
        "idempotency_key": "k-1", "next": "1",
    }, follow_redirects=False)
    assert response.status_code == 303, response.text
    following = response.headers["location"]
    assert "/console/case?" in following and f"id={item}" not in following and "notice=Decided" in following
    settle(api)
    standing = account(api, "acct-0" if item == "pin-1" else "acct-1")["standing"]
    assert standing["level"] == "WARNED"


def test_a_decision_posted_twice_is_recorded_once(api: Api) -> None:
    queued_work(api, ["pin-1"])
    csrf = sign_in(api.client, api.token)
    _claim(api, csrf)
    form = {"csrf": csrf, "domain": "trust_safety", "kind": "pin", "id": "pin-1", "queue": "ts_general",
            "policy": "spam", "outcome": "VIOLATING", "actions": "REMOVE", "rationale": "Spam.",
            "idempotency_key": "same-key"}
    api.client.post("/console/case/decide", data=form, follow_redirects=False)
    written = head(api)
    again = api.client.post("/console/case/decide", data=form, follow_redirects=False)
    assert again.status_code == 303
    assert head(api) == written


def test_user_supplied_text_is_rendered_inertly(api: Api) -> None:
    queued_work(api, ["pin-1"])
    submit_report(api, "r-1", text=SCRIPT, accountId="acct-0")
    settle(api)
    csrf = sign_in(api.client, api.token)
    noted = api.client.post("/console/case/note", data={"csrf": csrf, "domain": "trust_safety", "kind": "pin",
                                                        "id": "pin-1", "note": SCRIPT}, follow_redirects=False)
    page = api.client.get(noted.headers["location"]).text  # the case page, once it holds the note
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;") >= 2  # the report and the note


def test_a_domain_scoped_reviewer_never_sees_another_domains_case(api: Api) -> None:
    queued_work(api, ["ad-1"], domain="ads")
    token = api.principal("tess", ["reviewer"], ["trust_safety"])
    csrf = sign_in(api.client, token)
    assert "ads_general" not in api.client.get("/console/").text
    page = api.client.get("/console/case?domain=ads&kind=pin&id=ad-1")
    assert page.status_code == 409 and "ad-1" not in page.text.split("<main")[1].split("Not done")[0]
    refused = api.client.post("/console/queues/ads_general/claim", data={"csrf": csrf}, follow_redirects=False)
    assert refused.status_code in (303, 409)
    assert "/console/case?" not in refused.headers.get("location", "")


def test_an_auditor_sees_no_decision_form_and_cannot_decide(api: Api) -> None:
    queued_work(api, ["pin-1"])
    token = api.principal("aude", ["auditor"])
    csrf = sign_in(api.client, token)
    page = api.client.get("/console/case?domain=trust_safety&kind=pin&id=pin-1").text
    assert 'id="decide"' not in page and "Claim next" not in api.client.get("/console/").text
    written = head(api)
    refused = api.client.post("/console/case/decide", data={
        "csrf": csrf, "domain": "trust_safety", "kind": "pin", "id": "pin-1", "policy": "spam",
        "outcome": "VIOLATING", "actions": "REMOVE", "rationale": "x"})
    assert refused.status_code == 409 and "may not run Mutation.decide" in refused.text
    assert head(api) == written


def test_a_detections_evidence_is_shown_inertly(api: Api) -> None:
    queued_work(api, ["pin-1"], evidence={"features": ["link_farm"], "note": SCRIPT})
    sign_in(api.client, api.token)
    page = api.client.get("/console/case?domain=trust_safety&kind=pin&id=pin-1").text
    assert "link_farm" in page and "2 fields" in page
    assert "<script>alert" not in page and "\\u003cscript\\u003ealert" in page

"""The review console in headless Chromium: reviewing by keyboard, an appeal overturned by a second reviewer,
domain scopes, and refused sessions; screenshots of the main screens on the way."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import expect

from tests.integration.console.conftest import Served

QUEUES = """
mutation { a: createQueue(input: {name: "ts_general", domain: "trust_safety", description: "Everyday review"}) {
  __typename }
  b: createQueue(input: {name: "ads_general", domain: "ads", description: "Ads review"}) { __typename }
  c: createQueue(input: {name: "ts_senior", domain: "trust_safety", description: "Escalations"}) { __typename } }
"""
ROUTING = """
mutation { setRoutingRules(input: {defaultQueue: "ts_general", rules: [
  {queue: "ads_general", domains: ["ads"]}, {queue: "ts_general", domains: ["trust_safety"]}]}) { __typename } }
"""
DETECT = """
mutation($i: RecordDetectionInput!) { recordDetection(input: $i) { __typename } }
"""
REPORT = """
mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename } }
"""
DECIDE = """
mutation($i: DecideInput!) { decide(input: $i) { __typename ... on Decision { id } } }
"""
APPEAL = """
mutation($i: FileAppealInput!) { fileAppeal(input: $i) { __typename ... on Appeal { id } } }
"""
STANDING = "query($id: String!) { account(id: $id) { standing { level strikePoints } } }"
SCRIPT = "<script>document.title='owned'</script>"


def _work(served: Served, items: list[str], domain: str = "trust_safety", policy: str = "spam") -> None:
    for index, item in enumerate(items):
        served.graphql(DETECT, {"i": {
            "subject": {"domain": domain, "kind": "pin", "id": item}, "accountId": f"acct-{item}", "policy": policy,
            "source": "CLASSIFIER", "externalId": f"clf-{item}", "confidence": 0.9 - index / 100,
            "model": "spam-clf-v7", "contentType": "IMAGE",
            "content": {"uri": f"https://cdn.example/{item}.jpg", "hash": f"sha256:{item}", "version": "1"},
        }})


UNLABELLED = """
Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button'))
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
  .map(e => e.outerHTML.slice(0, 80))
"""


def _unlabelled(page: Any) -> list[str]:
    """The page's controls a screen reader could not name."""
    return list(page.evaluate(UNLABELLED))


def _setup(served: Served) -> None:
    served.graphql(QUEUES)
    served.graphql(ROUTING)


def _sign_in(browser: Any, served: Served, token: str) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{served.url}/console/")
    page.get_by_label("Bearer token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{served.url}/console/")
    return page


def test_a_reviewer_claims_decides_by_keyboard_and_gets_the_next_case(served: Served, browser: Any) -> None:
    _setup(served)
    _work(served, ["pin-1", "pin-2"])
    served.graphql(REPORT, {"i": {
        "subject": {"domain": "trust_safety", "kind": "pin", "id": "pin-1"}, "accountId": "acct-pin-1",
        "reporter": {"id": "user-9", "kind": "USER"}, "policy": "spam", "text": SCRIPT, "idempotencyKey": "r-1"}})
    served.settle()
    page = _sign_in(browser, served, served.principal("rita", ["reviewer"]))
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.screenshot(path=served.shots / "queues.png")
    page.get_by_role("button", name="Claim next case in ts_general").click()
    page.wait_for_selector("#lease")
    assert page.title() != "owned"  # the report's script is text, not code
    assert page.get_by_text(SCRIPT).count() == 1
    image = page.locator("img.sensitive")
    assert "blur" in image.evaluate("e => getComputedStyle(e).filter")
    page.screenshot(path=served.shots / "case.png", full_page=True)
    first = page.url
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(image).to_have_css("filter", "none")
    page.keyboard.press("v")
    assert page.locator("#outcome-v").is_checked()
    page.keyboard.type("Link farm, posted forty times.")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(lambda url: url != first and "notice=Decided" in url)
    assert "pin-2" in page.url and page.locator("#lease").is_visible()
    served.settle()
    first_item = "pin-1" if "pin-1" in first else "pin-2"
    standing = served.graphql(STANDING, {"id": f"acct-{first_item}"})["account"]["standing"]
    assert standing == {"level": "WARNED", "strikePoints": 1}
    renewed = page.locator("#lease").get_attribute("data-expires")
    with page.expect_response(lambda response: response.url.endswith("/console/case/renew")):
        page.evaluate("htmx.ajax('POST', document.getElementById('renew').getAttribute('hx-post'), "
                      "{source: '#renew', target: '#lease', swap: 'outerHTML'})")
    expect(page.locator("#lease")).not_to_have_attribute("data-expires", str(renewed))
    page.keyboard.press("s")
    page.wait_for_url(lambda url: "/console/queues/ts_general" in url)
    assert "Nothing left to claim" in page.content()
    assert blocked == []


def test_an_appeal_overturned_by_a_second_reviewer_restores_the_standing(served: Served, browser: Any) -> None:
    _setup(served)
    _work(served, ["pin-7"])
    rita = served.principal("rita", ["reviewer"])
    decided = served.graphql(DECIDE, {"i": {
        "subject": {"domain": "trust_safety", "kind": "pin", "id": "pin-7"}, "accountId": "acct-pin-7",
        "policy": "spam", "outcome": "VIOLATING", "actions": [{"type": "REMOVE"}], "rationale": "Spam."}}, rita)
    served.graphql(APPEAL, {"i": {"decisionId": decided["decide"]["id"], "statement": "It was my own shop."}})
    served.settle()
    assert served.graphql(STANDING, {"id": "acct-pin-7"})["account"]["standing"]["level"] == "WARNED"

    own = _sign_in(browser, served, rita)
    own.goto(f"{served.url}/console/appeals")
    own.get_by_label("Rationale").fill("I stand by it.")
    own.get_by_role("button", name="Overturn").click()
    assert own.get_by_role("alert").count() == 1  # four eyes: the decider may not resolve the appeal
    own.close()

    page = _sign_in(browser, served, served.principal("sam", ["reviewer"]))
    page.goto(f"{served.url}/console/appeals")
    page.screenshot(path=served.shots / "appeals.png", full_page=True)
    page.get_by_label("Rationale").fill("One link to the poster's own shop is allowed.")
    page.get_by_role("button", name="Overturn").click()
    page.wait_for_url(lambda url: "notice=Appeal+overturned" in url)
    served.settle()
    assert served.graphql(STANDING, {"id": "acct-pin-7"})["account"]["standing"]["level"] == "GOOD"
    page.goto(f"{served.url}/console/account?id=acct-pin-7")
    assert "GOOD" in page.locator(".standing").first.inner_text()
    page.screenshot(path=served.shots / "account.png", full_page=True)


def test_a_domain_scoped_reviewer_never_sees_another_domains_case(served: Served, browser: Any) -> None:
    _setup(served)
    _work(served, ["ad-1"], domain="ads", policy="misleading_claims")
    _work(served, ["pin-3"])
    served.settle()
    page = _sign_in(browser, served, served.principal("tess", ["reviewer"], ["trust_safety"]))
    assert "ads_general" not in page.content()
    page.goto(f"{served.url}/console/case?domain=ads&kind=pin&id=ad-1")
    assert page.get_by_role("alert").count() == 1 and "misleading_claims" not in page.content()
    page.goto(f"{served.url}/console/queues/ads_general")
    assert "ad-1" not in page.content()
    page.goto(f"{served.url}/console/queues/ts_general")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "id=pin-3" in url)


def test_a_tampered_form_and_an_expired_session_are_refused(served: Served, browser: Any) -> None:
    _setup(served)
    _work(served, ["pin-4"])
    served.settle()
    page = _sign_in(browser, served, served.principal("rita", ["reviewer"]))
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(e => e.value = 'tampered')")
    page.get_by_role("button", name="Claim next case in ts_general").click()
    assert "CSRF check failed" in page.get_by_role("alert").inner_text()
    cookies = page.context.cookies()
    session = next(c for c in cookies if c["name"] == "docket_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    body, _, _ = session["value"].rpartition(".")
    stale = body.rsplit(".", 1)[0] + f".{int(time.time()) - 1}"
    page.context.add_cookies([{**session, "value": f"{stale}.forged"}])
    page.goto(f"{served.url}/console/")
    assert "/console/login" in page.url


def test_the_oversight_pages_render_for_an_admin(served: Served, browser: Any) -> None:
    _setup(served)
    _work(served, ["pin-5", "pin-6"])
    served.graphql(DECIDE, {"i": {
        "subject": {"domain": "trust_safety", "kind": "pin", "id": "pin-5"}, "accountId": "acct-pin-5",
        "policy": "spam", "outcome": "VIOLATING", "actions": [{"type": "REMOVE"}], "rationale": "Spam."}})
    served.settle()
    page = _sign_in(browser, served, served.admin)
    assert _unlabelled(page) == []
    for name in ("figures", "events", "integrity", "automation", "account?id=acct-pin-5", "appeals",
                 "case?domain=trust_safety&kind=pin&id=pin-5"):
        response = page.goto(f"{served.url}/console/{name}")
        assert response.status == 200, name
        assert _unlabelled(page) == [], name
        page.screenshot(path=served.shots / f"admin-{name.split('?')[0]}.png", full_page=True)
    page.goto(f"{served.url}/console/figures")
    assert page.locator("rect.violating title").filter(has_text=": 1 violating").count() == 1
    page.goto(f"{served.url}/console/events?type=Case.Decided")
    assert page.locator("tbody tr").count() == 1
    page.set_viewport_size({"width": 420, "height": 800})
    page.goto(f"{served.url}/console/case?domain=trust_safety&kind=pin&id=pin-6")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 440, "the case screen scrolls sideways on a narrow window"

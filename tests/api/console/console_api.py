"""Helpers for the console's tests: sign in through the login form, post forms with the page's CSRF token."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tests.api.ledger_api import record_detection, settle, subject
from tests.api.review_api import create_queue, set_routing
from tests.support import Api

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sign_in(client: TestClient, token: str) -> str:
    """Signs in through the form; returns the CSRF token the console's pages carry."""
    client.cookies.clear()
    form = client.get("/console/login")
    login_csrf = CSRF.search(form.text)
    assert login_csrf, form.text
    response = client.post("/console/login", data={"csrf": login_csrf.group(1), "token": token, "next": ""},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    page = client.get("/console/")
    found = CSRF.search(page.text)
    assert page.status_code == 200 and found, page.text
    return found.group(1)


def queued_work(api: Api, items: list[str], domain: str = "trust_safety", **detection: Any) -> None:
    """A queue per domain routed its domain's work, and a detection waiting on each item."""
    queues = {"trust_safety": "ts_general", "ads": "ads_general"}
    for name, queue_domain in (("ts_general", "trust_safety"), ("ads_general", "ads")):
        create_queue(api, name, domain=queue_domain)
    set_routing(api, [{"queue": q, "domains": [d]} for d, q in queues.items()], "ts_general")
    policy = {"trust_safety": "spam", "ads": "misleading_claims"}[domain]
    for index, item in enumerate(items):
        record_detection(api, externalId=f"clf-{item}", subject=subject(item, domain=domain), policy=policy,
                         accountId=f"acct-{index}", **detection)
    settle(api)

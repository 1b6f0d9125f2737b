"""The console's automation page: each rule's mode beside its evidence and its live precision."""

from __future__ import annotations

import re

from app.cli.demo_automation import run_automation_story
from tests.api.console.console_api import sign_in
from tests.api.ledger_api import settle
from tests.support import Api


def test_the_automation_page_shows_shadow_agreement_and_the_live_precision_that_tripped_the_breaker(
    api: Api,
) -> None:
    run_automation_story(api.client.app.state.runtime)  # type: ignore[attr-defined]
    settle(api)
    sign_in(api.client, api.token)

    page = api.client.get("/console/automation").text

    assert "trust_safety/spam v1" in page and "SHADOW" in page
    assert "0.95 / 0.95 / 0.90, 40" in page  # the evaluation on the golden set's spam items
    assert "none yet" not in page and "none judged yet" not in page  # agreement with reviewers is measured
    assert re.search(r"<td>0\.\d\d / 0\.\d\d / 0\.\d\d, \d+</td>\n<td>0\.\d\d over \d+ judged", page)
    assert "breaker TRIPPED: circuit breaker: rolling precision 0.400 over 10 judged" in page

"""The follower `docket automate` runs: it reads the pipelines' detections with content in ledger order, page by page,
passes over the others and the rules' own verdicts, and judging a page again records nothing twice."""

from __future__ import annotations

import asyncio
from collections import Counter

from app.automation.follower import Follower, next_page
from app.automation.test_server import RunningServer
from app.runtime.wiring import Runtime
from domain.automation import AutomationMode
from tests.pipeline_automation import BENIGN, SPAM, key, pipeline_detection, rule, verdicts


def judge_all(runtime: Runtime, after: int, limit: int) -> tuple[int, list[int]]:
    """Judges every page after `after` as the worker does; the position reached and each page's detection count."""
    follower, sizes = Follower(runtime.auto_actions, 2), []
    while True:
        page = next_page(runtime.ledger, after, limit)
        asyncio.run(follower.judge(page))
        sizes.append(len(page.detections))
        after = page.reached
        if not page.full:
            return after, sizes


def test_each_active_rule_judges_each_detection_with_content_once(runtime: Runtime, models: RunningServer) -> None:
    shadow = rule(runtime.ledger, models, "spam", "spam-shadow", AutomationMode.SHADOW)
    rule(runtime.ledger, models, "spam", "spam-off", AutomationMode.OFF)
    start = runtime.ledger.head()
    runtime.ledger.record_detections(
        [pipeline_detection(f"p{n}", "spam", SPAM if n % 2 else BENIGN) for n in range(5)]
        + [pipeline_detection("bare", "spam", None)],
        "svc:classifier",
    )

    reached, sizes = judge_all(runtime, start, 2)

    assert sizes[:3] == [2, 2, 1]  # then the one without content, and the verdicts (recorded meanwhile), pass
    assert sum(sizes) == 5
    assert reached == runtime.ledger.head()
    found = Counter((f.evidence["automation"]["rule"], f.subject.key) for f in verdicts(runtime.ledger))
    assert found == Counter({(str(shadow), key(f"p{n}")): 1 for n in range(5)})


def test_the_rules_verdicts_are_not_judged_again(runtime: Runtime, models: RunningServer) -> None:
    rule(runtime.ledger, models, "spam", "spam-shadow", AutomationMode.SHADOW)
    start = runtime.ledger.head()
    runtime.ledger.record_detections([pipeline_detection("p1", "spam", SPAM)], "svc:classifier")
    reached, _ = judge_all(runtime, start, 100)

    after_verdicts = next_page(runtime.ledger, reached, 100)

    assert len(verdicts(runtime.ledger)) == 1
    assert after_verdicts.detections == []
    assert after_verdicts.reached == runtime.ledger.head()


def test_a_page_judged_again_calls_no_model_and_records_nothing(runtime: Runtime, models: RunningServer) -> None:
    rule(runtime.ledger, models, "spam", "spam-auto", AutomationMode.AUTO)
    start = runtime.ledger.head()
    runtime.ledger.record_detections([pipeline_detection(f"p{n}", "spam", SPAM) for n in range(3)], "svc:classifier")
    page = next_page(runtime.ledger, start, 100)
    asyncio.run(Follower(runtime.auto_actions, 2).judge(page))
    head, calls = runtime.ledger.head(), sum(models.state.requests.values())

    again = asyncio.run(Follower(runtime.auto_actions, 2).judge(page))

    assert again == 3
    assert (runtime.ledger.head(), sum(models.state.requests.values())) == (head, calls)

"""Automation in production, through GraphQL against the test model server: automated decisions sampled for a blind
human QA review, QA disagreements and overturned appeals measured against the rule, and the circuit breaker that
demotes it to SHADOW on its precision or on a failing provider; and autoActions, many inputs at once."""

from __future__ import annotations

from typing import Any

import pytest

from app.automation.test_server import Behaviour, RunningServer
from domain.breaker import MIN_JUDGMENTS, PROVIDER_FAILURES
from tests.api.automation.test_auto_action import FOLLOWERS, RECIPE, rule_in
from tests.api.automation_api import AUTO_ACTION, AUTO_ACTIONS
from tests.api.ledger_api import FILE, RESOLVE, decide, events_after, head, settle, subject
from tests.support import Api

QUALITY = """
query($p: String) { automationRules(minPosition: $p) { id mode modeReason quality {
  qaSampled qaJudged qaDisagreed overturned windowJudged rollingPrecision providerFailures breaker trippedAt
  tripReason tripFigures } } }
"""
ENTRIES = """query { reviewQueue(domain: "trust_safety") { edges { node {
  subject { id } detections reports maxConfidence } } } }"""


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


def quality(api: Api) -> Any:
    [rule] = api.data(QUALITY, {"p": head(api)})["automationRules"]
    return rule


def decided_alone(api: Api, pin: str) -> str:
    [verdict] = api.data(AUTO_ACTION, {"i": {"subject": subject(pin), "accountId": f"acct-{pin}", "policy": "spam",
                                             "content": {"text": FOLLOWERS}}})["autoAction"]["verdicts"]
    assert verdict["outcome"] == "DECIDED"
    return str(verdict["decisionId"])


def queue_entries(api: Api) -> dict[str, Any]:
    settle(api)
    return {e["node"]["subject"]["id"]: e["node"] for e in api.data(ENTRIES)["reviewQueue"]["edges"]}


def review(api: Api, pin: str, violating: bool, token: str | None = None) -> Any:
    changes = {} if violating else {"outcome": "NOT_VIOLATING", "actions": []}
    made = api.data("""mutation($input: DecideInput!) { decide(input: $input) { __typename
        ... on Decision { position automation supersedes } } }""",
                    {"input": {"subject": subject(pin), "accountId": f"acct-{pin}", "policy": "spam",
                               "outcome": "VIOLATING", "actions": [{"type": "REMOVE"}],
                               "rationale": "QA review.", **changes}}, token)["decide"]
    assert made["__typename"] == "Decision"
    return made


def test_a_sampled_automated_decision_waits_for_qa_without_showing_that_a_machine_decided_it(
    api: Api, models: RunningServer
) -> None:
    rule_in(api, models, "AUTO", qaSampleRate=1.0)

    decided = decided_alone(api, "pin-1")

    assert queue_entries(api)["pin-1"] == {"subject": {"id": "pin-1"}, "detections": 0, "reports": 0,
                                           "maxConfidence": 0.0}
    shown = quality(api)["quality"]
    assert (shown["qaSampled"], shown["qaJudged"], shown["breaker"]) == (1, 0, "CLOSED")
    reviewed = review(api, "pin-1", violating=False)
    assert (reviewed["supersedes"], reviewed["automation"]) == (decided, "NOT_AUTOMATED")
    assert "pin-1" not in queue_entries(api)
    shown = quality(api)["quality"]
    assert (shown["qaJudged"], shown["qaDisagreed"], shown["windowJudged"], shown["rollingPrecision"]) == (1, 1, 1, 0.0)


def test_an_unsampled_automated_decision_is_not_queued(api: Api, models: RunningServer) -> None:
    rule_in(api, models, "AUTO", qaSampleRate=0.0)
    decided_alone(api, "pin-1")
    assert "pin-1" not in queue_entries(api)
    assert quality(api)["quality"]["qaSampled"] == 0


def test_qa_disagreements_past_the_floor_trip_the_rule_to_shadow_with_the_figures(
    api: Api, models: RunningServer
) -> None:
    rule = rule_in(api, models, "AUTO", qaSampleRate=1.0, precisionFloor=0.9)
    pins = [f"pin-{n}" for n in range(MIN_JUDGMENTS)]
    for pin in pins:
        decided_alone(api, pin)
    before = head(api)

    for n, pin in enumerate(pins):
        review(api, pin, violating=n >= 3)

    shown = quality(api)
    assert (shown["id"], shown["mode"]) == (rule, "SHADOW")
    assert "rolling precision 0.700 over 10" in shown["modeReason"]
    q = shown["quality"]
    assert (q["breaker"], q["qaJudged"], q["qaDisagreed"], q["rollingPrecision"]) == ("TRIPPED", 10, 3, 0.7)
    assert q["tripFigures"]["cause"] == "precision" and q["tripFigures"]["floor"] == 0.9
    tripped = [e for e in events_after(api, before) if e["type"] == "AutomationRule.Tripped"]
    assert len(tripped) == 1
    metrics = api.get("/metrics").text
    labels = f'domain="trust_safety",mode="SHADOW",model="openai/mod-spam",policy="spam",rule="{rule}"'
    assert f"docket_automation_breaker_tripped{{{labels}}} 1.0" in metrics
    assert f"docket_automation_rolling_precision{{{labels}}} 0.7" in metrics
    assert f"docket_automation_qa_disagreed{{{labels}}} 3.0" in metrics
    [verdict] = api.data(AUTO_ACTION, {"i": {"subject": subject("pin-new"), "accountId": "acct-9", "policy": "spam",
                                             "content": {"text": FOLLOWERS}}})["autoAction"]["verdicts"]
    assert (verdict["outcome"], verdict["decisionId"]) == ("RECORDED", None)


def test_an_overturned_appeal_of_an_automated_decision_counts_against_the_rule(api: Api, models: RunningServer) -> None:
    rule_in(api, models, "AUTO", qaSampleRate=0.0)
    decided = decided_alone(api, "pin-1")
    bo = api.principal("bo", ["reviewer"])

    appeal = api.data(FILE, {"i": {"decisionId": decided, "statement": "Not spam."}})["fileAppeal"]
    api.data(RESOLVE, {"i": {"appealId": appeal["id"], "outcome": "OVERTURN", "rationale": "Fine."}}, token=bo)

    q = quality(api)["quality"]
    assert (q["overturned"], q["qaJudged"], q["windowJudged"], q["rollingPrecision"]) == (1, 0, 1, 0.0)


def test_a_human_decision_on_a_case_no_rule_decided_judges_nothing(api: Api, models: RunningServer) -> None:
    rule_in(api, models, "AUTO", qaSampleRate=1.0)
    decide(api, subject=subject("pin-7"))
    assert quality(api)["quality"]["qaJudged"] == 0


def test_a_provider_failing_past_its_retries_trips_the_rule(api: Api, models: RunningServer) -> None:
    rule_in(api, models, "AUTO")
    models.state.models["mod-spam"] = Behaviour(failure="500")
    inputs = [{"subject": subject(f"pin-{n}"), "accountId": "acct-1", "policy": "spam", "content": {"text": FOLLOWERS}}
              for n in range(PROVIDER_FAILURES)]

    outcome = api.data(AUTO_ACTIONS, {"i": inputs})["autoActions"]

    assert all(r["verdicts"][0]["failure"].startswith("InternalServerError") for r in outcome["results"])
    shown = quality(api)
    assert shown["mode"] == "SHADOW" and "provider failed" in shown["modeReason"]
    assert (shown["quality"]["breaker"], shown["quality"]["providerFailures"]) == ("TRIPPED", PROVIDER_FAILURES)


def test_auto_actions_runs_many_inputs_at_once_each_with_its_own_result(api: Api, models: RunningServer) -> None:
    rule_in(api, models, "AUTO")
    models.state.default = Behaviour(latency=0.2)
    inputs = [{"subject": subject(f"pin-{n}"), "accountId": f"acct-{n}", "policy": "spam",
               "content": {"text": FOLLOWERS if n % 2 else RECIPE}} for n in range(16)]
    inputs.append({**inputs[0], "subject": subject("pin-bad"), "content": {"imageUrls": ["file:///etc/passwd"]}})

    outcome = api.data(AUTO_ACTIONS, {"i": inputs})["autoActions"]

    results = outcome["results"]
    assert [r["__typename"] for r in results] == ["AutoActionOutcome"] * 16 + ["ValidationError"]
    assert [r["verdicts"][0]["outcome"] for r in results[:4]] == ["RECORDED", "DECIDED", "RECORDED", "DECIDED"]
    assert [r["subject"]["id"] for r in results[:16]] == [f"pin-{n}" for n in range(16)]
    assert int(outcome["position"]) == int(head(api))


def test_auto_actions_refuses_an_empty_list(api: Api) -> None:
    refused = api.data(AUTO_ACTIONS, {"i": []})["autoActions"]
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "inputs")

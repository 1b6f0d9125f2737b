"""Accuracy before scale, through GraphQL against the test model server: a rule's shadow verdicts beside the human
decisions on the same cases, AUTO only on that agreement and an evaluation, and caps that send work to humans."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.automation.test_server import RunningServer
from domain.errors import ConflictError
from tests.api.automation_api import auto_action, configure, evaluate, promote, rules, runtime_of, set_mode
from tests.api.ledger_api import decide, events_after, head, settle, subject
from tests.support import Api

FOLLOWERS = "Get 10k cheap followers now!!! cheap-followers.example cheap-followers.example"
RECIPE = "My grandmother's lemon cake recipe, with a photo of the crumb"
FEW = {"minSamples": 4, "minPrecision": 0.95, "minRecall": 0.8, "minKappa": 0.8}


def shadowed(api: Api, models: RunningServer, **changes: Any) -> str:
    rule = str(configure(api, models, launchCriteria=FEW, **changes)["id"])
    assert set_mode(api, rule, "SHADOW")["mode"] == "SHADOW"
    return rule


def judged(api: Api, pin: str, text: str, human_violating: bool) -> None:
    """The rule's verdict on a pin, then a reviewer's decision on it."""
    auto_action(api, pin, text, account=f"acct-{pin}")
    if human_violating:
        decide(api, subject=subject(pin), accountId=f"acct-{pin}")
    else:
        decide(api, subject=subject(pin), accountId=f"acct-{pin}", outcome="NOT_VIOLATING", actions=[],
               rationale="A reviewer found nothing wrong.")


def test_shadow_agreement_with_reviewers_is_shown_and_with_an_evaluation_lets_the_rule_act_alone(
    api: Api, models: RunningServer
) -> None:
    rule = shadowed(api, models)
    for n in range(3):
        judged(api, f"spam-{n}", FOLLOWERS, human_violating=True)
    for n in range(2):
        judged(api, f"cake-{n}", RECIPE, human_violating=False)
    auto_action(api, "unanswered", FOLLOWERS)

    [shown] = rules(api, head(api))

    [agreement] = shown["shadowAgreement"]
    assert {k: agreement[k] for k in ("policyVersion", "samples", "precision", "recall", "kappa", "confusion")} == {
        "policyVersion": 1, "samples": 5, "precision": 1.0, "recall": 1.0, "kappa": 1.0, "confusion": [[2, 0], [0, 3]]}
    refused = set_mode(api, rule, "AUTO")
    assert [(s["evidence"], s["criterion"]) for s in refused["shortfalls"]] == [("evaluation", "present")]

    evaluate(api, rule)
    before = head(api)
    promoted = set_mode(api, rule, "AUTO", "Golden set and shadow agreement passed.")

    assert (promoted["mode"], promoted["modeChangedBy"]) == ("AUTO", "alice")
    [changed] = events_after(api, before)
    data = json.loads(changed["data"]) if isinstance(changed["data"], str) else changed["data"]
    assert (changed["type"], changed["actor"]) == ("AutomationRule.ModeChanged", "alice")
    assert data["figures"]["samples"] == 160
    assert {k: data["agreement"][k] for k in ("samples", "kappa", "confusion")} == {
        "samples": 5, "kappa": 1.0, "confusion": [[2, 0], [0, 3]]}


def test_auto_is_refused_when_reviewers_disagreed_with_the_shadow_verdicts(api: Api, models: RunningServer) -> None:
    rule = shadowed(api, models)
    for n in range(3):
        judged(api, f"spam-{n}", FOLLOWERS, human_violating=n == 0)
    judged(api, "cake-0", RECIPE, human_violating=False)
    evaluate(api, rule)
    before = head(api)

    refused = set_mode(api, rule, "AUTO")

    assert refused["__typename"] == "InsufficientEvidenceError"
    assert [s["criterion"] for s in refused["shortfalls"]] == ["precision", "kappa"]
    assert {s["evidence"] for s in refused["shortfalls"]} == {"shadow agreement"}
    assert head(api) == before


def test_past_the_per_account_cap_auto_sends_the_case_to_a_human_saying_so_and_metrics_count_it(
    api: Api, models: RunningServer
) -> None:
    rule = str(configure(api, models, caps={"perAccountPerHour": 2, "perDay": 100})["id"])
    promote(api, rule)

    outcomes = [auto_action(api, f"pin-{n}", FOLLOWERS)["verdicts"][0] for n in range(3)]
    elsewhere = auto_action(api, "pin-9", FOLLOWERS, account="acct-2")["verdicts"][0]

    assert [o["outcome"] for o in outcomes] == ["DECIDED", "DECIDED", "QUEUED"]
    assert "cap of 2 automated decisions per account an hour is reached" in outcomes[2]["reason"]
    assert outcomes[2]["decisionId"] is None
    assert elsewhere["outcome"] == "DECIDED"
    settle(api)
    queue = api.data('{ reviewQueue(domain: "trust_safety") { edges { node { subject { id } } } } }')
    assert {e["node"]["subject"]["id"] for e in queue["reviewQueue"]["edges"]} == {"pin-2"}
    metrics = api.get("/metrics").text
    assert f'docket_automation_capped_total{{cap="perAccountPerHour",policy="spam",rule="{rule}"}} 1.0' in metrics


def test_a_retry_of_a_decided_verdict_is_not_counted_against_the_cap_again(api: Api, models: RunningServer) -> None:
    rule = str(configure(api, models, caps={"perAccountPerHour": 1, "perDay": 100})["id"])
    promote(api, rule)

    first = auto_action(api, "pin-1", FOLLOWERS)["verdicts"][0]
    again = auto_action(api, "pin-1", FOLLOWERS)["verdicts"][0]

    assert (first["outcome"], again["outcome"], again["decisionId"]) == ("DECIDED", "DECIDED", first["decisionId"])
    assert auto_action(api, "pin-2", FOLLOWERS)["verdicts"][0]["outcome"] == "QUEUED"


def test_the_daily_cap_holds_across_accounts(api: Api, models: RunningServer) -> None:
    rule = str(configure(api, models, caps={"perAccountPerHour": 5, "perDay": 2})["id"])
    promote(api, rule)

    outcomes = [auto_action(api, f"pin-{n}", FOLLOWERS, account=f"acct-{n}")["verdicts"][0] for n in range(3)]

    assert [o["outcome"] for o in outcomes] == ["DECIDED", "DECIDED", "QUEUED"]
    assert "cap of 2 automated decisions a day" in outcomes[2]["reason"]


def test_when_the_caps_cannot_be_counted_a_human_decides(
    api: Api, models: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = str(configure(api, models)["id"])
    promote(api, rule)

    def busy(*_: object) -> None:
        raise ConflictError("the record kept changing under concurrent writes; try again")

    monkeypatch.setattr(runtime_of(api).auto_actions.capping, "reserve", busy)
    verdict = auto_action(api, "pin-1", FOLLOWERS)["verdicts"][0]

    assert (verdict["outcome"], verdict["decisionId"]) == ("QUEUED", None)
    assert verdict["reason"].startswith("not counted against the caps")

"""The Auto-Action Framework through GraphQL, against the test model server: rules configured and moved between
modes on their evidence, and what each mode does with a verdict."""

from __future__ import annotations

from typing import Any

import pytest

from app.automation.test_server import Behaviour, RunningServer
from tests.api.automation_api import auto_action, configure, evaluate, promote, rules, runtime_of, set_mode
from tests.api.ledger_api import PUBLISH_POLICY, account, head, settle, subject, types_after
from tests.api.review_api import case_review
from tests.support import Api

FOLLOWERS = "Get 10k cheap followers now!!! cheap-followers.example cheap-followers.example"
UNSURE = "This app might help you get more followers"
RECIPE = "My grandmother's lemon cake recipe, with a photo of the crumb"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


def rule_in(api: Api, models: RunningServer, mode: str, **changes: Any) -> str:
    rule = configure(api, models, **changes)["id"]
    if mode == "AUTO":
        promote(api, rule)
    else:
        assert set_mode(api, rule, mode)["mode"] == mode
    return str(rule)


def queued(api: Api, pin: str) -> bool:
    settle(api)
    entries = api.data("{ reviewQueue(domain: \"trust_safety\") { edges { node { subject { id } } } } }")
    return pin in {e["node"]["subject"]["id"] for e in entries["reviewQueue"]["edges"]}


def test_a_configured_rule_starts_off_with_the_default_launch_criteria(api: Api, models: RunningServer) -> None:
    rule = configure(api, models)

    assert rule["__typename"] == "AutomationRule"
    assert (rule["mode"], rule["policyVersion"], rule["evaluation"], rule["figures"], rule["shadowAgreement"]) == (
        "OFF", 1, None, None, None)
    assert rule["launchCriteria"] == {"minSamples": 150, "minPrecision": 0.95, "minRecall": 0.8, "minKappa": 0.8}
    assert (rule["apiKeyEnv"], rule["qaSampleRate"]) == ("DOCKET_TEST_MODEL_KEY", 0.02)
    assert rules(api, rule["position"]) == [{
        "id": rule["id"], "domain": "trust_safety", "policy": "spam", "model": "openai/mod-spam", "mode": "OFF",
        "modeReason": "configured", "threshold": 0.8, "evaluation": None,
        "figures": {"verdicts": 0, "violations": 0, "failures": 0, "queued": 0, "decided": 0},
        "shadowAgreement": [],
    }]


@pytest.mark.parametrize(
    ("changes", "typename", "words"),
    [
        ({"threshold": 0}, "ValidationError", "threshold must lie in (0, 1]"),
        ({"threshold": 1.5}, "ValidationError", "threshold must lie in (0, 1]"),
        ({"policy": "no_such"}, "NotFoundError", "has no policy 'no_such'"),
        ({"policy": "self_harm", "allowedActions": ["REMOVE"]}, "ValidationError", "has no guidance"),
        ({"policy": "harassment", "allowedActions": ["SUSPEND_ACCOUNT"]}, "ValidationError", "never lets automation"),
        ({"model": "gpt-4o"}, "ValidationError", "provider and a model"),
        ({"apiKeyEnv": "sk-live-abc123"}, "ValidationError", "NAME of an environment variable"),
        ({"apiBase": "file:///etc/passwd"}, "ValidationError", "http(s) URL"),
    ],
)
def test_a_bad_configuration_is_a_typed_error_and_writes_nothing(
    api: Api, models: RunningServer, changes: dict[str, Any], typename: str, words: str
) -> None:
    before = head(api)
    refused = configure(api, models, **changes)
    assert refused["__typename"] == typename
    assert words in refused["message"]
    assert head(api) == before


def test_in_shadow_a_verdict_is_recorded_as_an_automated_detection_and_nothing_else_changes(
    api: Api, models: RunningServer
) -> None:
    rule = rule_in(api, models, "SHADOW")
    before = head(api)

    outcome = auto_action(api, "pin-1", FOLLOWERS)

    [verdict] = outcome["verdicts"]
    assert (verdict["rule"], verdict["mode"], verdict["outcome"], verdict["source"]) == (rule, "SHADOW", "RECORDED",
                                                                                         "LLM")
    assert verdict["violation"] and "SP2" in verdict["ruleIds"] and verdict["decisionId"] is None
    assert verdict["latencyMs"] > 0 and verdict["promptTokens"] > 0 and verdict["cost"] > 0
    assert (verdict["policyVersion"], len(verdict["promptHash"])) == (1, 64)
    assert types_after(api, before) == ["Detection.Recorded"]
    assert not queued(api, "pin-1")
    case = case_review(api, "pin-1")
    assert case is None or case["decisions"] == []
    assert rules(api, outcome["position"])[0]["figures"]["verdicts"] == 1


def test_in_assist_a_violation_waits_for_a_human_whose_confirmation_is_partially_automated(
    api: Api, models: RunningServer
) -> None:
    rule_in(api, models, "ASSIST")

    [verdict] = auto_action(api, "pin-1", FOLLOWERS)["verdicts"]

    assert (verdict["outcome"], verdict["recommendedActions"], verdict["decisionId"]) == ("QUEUED", ["REMOVE"], None)
    assert verdict["rationale"].startswith("Meets SP")
    assert queued(api, "pin-1")
    confirmed = api.data("""mutation($i: DecideInput!) { decide(input: $i) { ... on Decision { automation } } }""",
                         {"i": {"subject": subject("pin-1"), "accountId": "acct-1", "policy": "spam",
                                "outcome": "VIOLATING", "actions": [{"type": "REMOVE"}], "rationale": "Agreed.",
                                "detectionIds": [verdict["detectionId"]]}})
    assert confirmed["decide"]["automation"] == "PARTIALLY"


def test_in_assist_a_safe_verdict_asks_no_one(api: Api, models: RunningServer) -> None:
    rule_in(api, models, "ASSIST")
    [verdict] = auto_action(api, "pin-1", RECIPE)["verdicts"]
    assert (verdict["violation"], verdict["outcome"]) == (False, "RECORDED")
    assert not queued(api, "pin-1")


def test_auto_is_refused_naming_the_evidence_that_falls_short(api: Api, models: RunningServer) -> None:
    rule = configure(api, models)["id"]
    before = head(api)
    refused = set_mode(api, rule, "AUTO")
    assert refused["__typename"] == "InsufficientEvidenceError"
    assert [(s["evidence"], s["criterion"]) for s in refused["shortfalls"]] == [
        ("evaluation", "present"), ("shadow agreement", "present")]

    evaluate(api, rule, samples=40)
    refused = set_mode(api, rule, "AUTO")

    assert refused["shortfalls"][0] == {"evidence": "evaluation", "criterion": "samples", "value": 40.0,
                                        "required": 150.0, "message": "evaluation samples 40 < 150"}
    assert "evaluation samples 40 < 150" in refused["message"]
    assert types_after(api, before) == ["AutomationRule.Evaluated"]


def test_in_auto_a_confident_violation_is_decided_alone_with_the_policys_strike(
    api: Api, models: RunningServer
) -> None:
    rule = rule_in(api, models, "AUTO")

    outcome = auto_action(api, "pin-1", FOLLOWERS)

    [verdict] = outcome["verdicts"]
    assert verdict["outcome"] == "DECIDED" and verdict["decisionId"] is not None
    decision = api.data("""query($id: ID!, $p: String) { decision(id: $id, minPosition: $p) {
        automation outcome actions { type } rationale } }""",
                        {"id": verdict["decisionId"], "p": outcome["position"]})["decision"]
    assert (decision["automation"], decision["outcome"]) == ("FULLY", "VIOLATING")
    assert decision["actions"] == [{"type": "REMOVE"}] and rule in decision["rationale"]
    assert account(api, "acct-1", outcome["position"])["standing"]["level"] == "WARNED"
    assert not queued(api, "pin-1")
    assert rules(api, outcome["position"])[0]["figures"]["decided"] == 1


def test_in_auto_an_unsure_violation_and_a_failed_classification_go_to_a_human(
    api: Api, models: RunningServer
) -> None:
    rule_in(api, models, "AUTO", threshold=0.9)
    models.state.models["mod-broken"] = Behaviour(failure="invalid_json")
    rule_in(api, models, "AUTO", model="openai/mod-broken")

    unsure, failed = auto_action(api, "pin-1", UNSURE)["verdicts"]

    assert (unsure["outcome"], unsure["decisionId"]) == ("QUEUED", None)
    assert "below the threshold 0.9" in unsure["reason"]
    assert (failed["outcome"], failed["violation"], failed["decisionId"]) == ("QUEUED", None, None)
    assert "invalid JSON" in failed["failure"]
    assert queued(api, "pin-1")


def test_in_auto_a_protected_account_goes_to_a_human_until_it_is_unprotected(api: Api, models: RunningServer) -> None:
    rule_in(api, models, "AUTO")
    protected = api.data("""mutation($i: ProtectAccountInput!) { protectAccount(input: $i) {
        ... on AccountProtection { protected reason } } }""",
                         {"i": {"accountId": "acct-mayor", "reason": "Public figure."}})["protectAccount"]
    assert protected == {"protected": True, "reason": "Public figure."}

    [held] = auto_action(api, "pin-1", FOLLOWERS, account="acct-mayor")["verdicts"]
    api.data("""mutation($i: ProtectAccountInput!) { unprotectAccount(input: $i) { __typename } }""",
             {"i": {"accountId": "acct-mayor", "reason": "Left office."}})
    [decided] = auto_action(api, "pin-2", FOLLOWERS, account="acct-mayor")["verdicts"]

    assert (held["outcome"], held["decisionId"]) == ("QUEUED", None)
    assert "protected from automated decisions: Public figure." in held["reason"]
    assert decided["outcome"] == "DECIDED"


def test_a_retry_with_the_same_content_answers_from_the_record_without_asking_the_model(
    api: Api, models: RunningServer
) -> None:
    rule_in(api, models, "AUTO")
    first = auto_action(api, "pin-1", FOLLOWERS)["verdicts"][0]
    asked = models.state.requests["mod-spam"]
    before = head(api)

    again = auto_action(api, "pin-1", FOLLOWERS)["verdicts"][0]

    assert models.state.requests["mod-spam"] == asked
    assert (again["detectionId"], again["decisionId"], again["outcome"]) == (first["detectionId"],
                                                                             first["decisionId"], "DECIDED")
    assert again["latencyMs"] is None
    assert head(api) == before


def test_images_are_judged_by_a_vlm_and_a_url_that_is_not_http_is_refused(api: Api, models: RunningServer) -> None:
    rule_in(api, models, "SHADOW")
    [verdict] = auto_action(api, "pin-1", "New stock", imageUrls=["https://cdn.example/cheap-followers-offer.png"])[
        "verdicts"]
    assert verdict["source"] == "VLM"
    before = head(api)

    refused = auto_action(api, "pin-2", "New stock", imageUrls=["file:///etc/passwd"])

    assert refused["__typename"] == "ValidationError" and refused["field"] == "content.imageUrls"
    assert head(api) == before


def test_a_policy_without_active_rules_records_nothing(api: Api, models: RunningServer) -> None:
    configure(api, models)  # OFF
    before = head(api)
    assert auto_action(api, "pin-1", FOLLOWERS)["verdicts"] == []
    assert auto_action(api, "pin-1", FOLLOWERS, policy="no_such")["__typename"] == "NotFoundError"
    assert head(api) == before


def test_publishing_a_new_policy_version_drops_an_auto_rule_to_shadow_until_evaluated_again(
    api: Api, models: RunningServer
) -> None:
    rule = rule_in(api, models, "AUTO")
    policy = runtime_of(api).ledger.get_policy("trust_safety", "spam").terms
    before = head(api)

    published = api.data(PUBLISH_POLICY, {"input": {
        "domain": "trust_safety", "key": "spam", "title": policy.title, "text": policy.text + " Also bots.",
        "severity": "LOW", "strikePoints": 1, "allowedActions": ["REMOVE", "DEMOTE"],
        "dsaCategory": policy.dsa_category, "dsaGround": "INCOMPATIBLE_CONTENT"}})["publishPolicy"]

    assert types_after(api, before) == ["Policy.Revised", "AutomationRule.Demoted"]
    [shown] = rules(api, published["position"])
    assert shown["mode"] == "SHADOW" and "v2 was published" in shown["modeReason"]
    assert "evaluate it again" in set_mode(api, rule, "AUTO")["message"]


def test_a_pipelines_service_principal_runs_the_rules(api: Api, models: RunningServer) -> None:
    service = api.principal("pipeline", ["service"])
    rule_in(api, models, "SHADOW")
    assert auto_action(api, "pin-1", FOLLOWERS, token=service)["__typename"] == "AutoActionOutcome"


def test_a_retry_answers_what_the_first_run_did_even_after_the_mode_changed(api: Api, models: RunningServer) -> None:
    rule = rule_in(api, models, "SHADOW")
    first = auto_action(api, "pin-1", FOLLOWERS)["verdicts"][0]
    promote(api, rule)
    before = head(api)

    again = auto_action(api, "pin-1", FOLLOWERS)["verdicts"][0]

    assert (again["outcome"], again["decisionId"], again["detectionId"]) == ("RECORDED", None, first["detectionId"])
    assert head(api) == before

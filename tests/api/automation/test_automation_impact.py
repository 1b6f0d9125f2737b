"""automationImpact through GraphQL: a rule's shadow verdicts replayed as AUTO through the ladder, split by what the
reviewers who decided the same cases did."""

from __future__ import annotations

from typing import Any

from app.automation.test_server import RunningServer
from tests.api.automation_api import auto_action, configure, set_mode
from tests.api.ledger_api import decide, head, subject
from tests.support import Api

FOLLOWERS = "Get 10k cheap followers now!!! cheap-followers.example cheap-followers.example"
RECIPE = "My grandmother's lemon cake recipe, with a photo of the crumb"
SPLIT = "{ total agreed disagreed unreviewed }"
IMPACT = f"""
query($rule: ID!, $from: DateTime!, $to: DateTime!, $p: String) {{
  automationImpact(rule: $rule, from: $from, to: $to, minPosition: $p) {{
    rule policyVersion verdicts violations decisions {SPLIT} queued {SPLIT} capped {SPLIT}
    actions {{ action decisions {SPLIT} }} strikes {SPLIT} strikePoints standing {{ level accounts {SPLIT} }} }} }}
"""
FROM, TO = "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"  # around tests.support.START


def split(agreed: int = 0, disagreed: int = 0, unreviewed: int = 0) -> dict[str, int]:
    return {"total": agreed + disagreed + unreviewed, "agreed": agreed, "disagreed": disagreed,
            "unreviewed": unreviewed}


def impact(api: Api, rule: str, start: str = FROM, end: str = TO, token: str | None = None) -> Any:
    variables = {"rule": rule, "from": start, "to": end, "p": head(api)}
    return api.data(IMPACT, variables, token)["automationImpact"]


def test_shadow_verdicts_replay_into_decisions_strikes_and_standing_split_by_reviewers(
    api: Api, models: RunningServer
) -> None:
    rule = str(configure(api, models)["id"])
    set_mode(api, rule, "SHADOW")
    for pin, account in (("spam-0", "acct-a"), ("spam-1", "acct-a"), ("spam-2", "acct-b")):
        auto_action(api, pin, FOLLOWERS, account=account)
    auto_action(api, "cake-0", RECIPE, account="acct-c")
    decide(api, subject=subject("spam-0"), accountId="acct-a")
    decide(api, subject=subject("spam-1"), accountId="acct-a", outcome="NOT_VIOLATING", actions=[],
           rationale="Not spam after all.")

    found = impact(api, rule)

    assert (found["verdicts"], found["violations"], found["policyVersion"]) == (4, 3, 1)
    assert found["decisions"] == split(agreed=1, disagreed=1, unreviewed=1)
    assert found["actions"] == [{"action": "REMOVE", "decisions": split(1, 1, 1)}]
    assert (found["strikes"], found["strikePoints"]) == (split(1, 1, 1), 3)
    assert found["standing"] == [{"level": "WARNED", "accounts": split(unreviewed=1)},
                                 {"level": "RESTRICTED", "accounts": split(disagreed=1)}]
    assert found["queued"] == found["capped"] == split()


def test_a_period_without_verdicts_has_no_impact_and_a_bad_period_is_refused(
    api: Api, models: RunningServer
) -> None:
    rule = str(configure(api, models)["id"])
    set_mode(api, rule, "SHADOW")
    auto_action(api, "spam-0", FOLLOWERS)

    assert impact(api, rule, "1990-01-01T00:00:00Z", "1990-02-01T00:00:00Z")["verdicts"] == 0
    for start, end in ((TO, FROM), (FROM, "2027-06-01T00:00:00Z")):
        body = api.post(IMPACT, {"rule": rule, "from": start, "to": end})
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "to"}


def test_a_rule_outside_the_callers_domains_has_no_impact_to_show(api: Api, models: RunningServer) -> None:
    rule = str(configure(api, models)["id"])
    ads = api.principal("ads-lead", ["policy_admin"], ["ads"])
    assert impact(api, rule, token=ads) is None
    assert impact(api, "00000000-0000-0000-0000-000000000000") is None

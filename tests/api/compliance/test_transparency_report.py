"""transparencyReport through GraphQL: a period's figures, the same for a closed period later, access-checked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.ledger_api import FILE, RESOLVE, decide, head, subject
from tests.api.review_api import submit_report
from tests.support import Api

REPORT = """
query($from: DateTime!, $to: DateTime!, $domain: String, $p: String) {
  transparencyReport(from: $from, to: $to, domain: $domain, minPosition: $p) {
    from to domain
    restrictions { sourceType category restriction automatedDetection decisions }
    decisions { sourceType category automatedDetection automation decisions }
    notices { category reporterKind received actioned notActioned openAtEnd medianSecondsToAction }
    complaints { category filed decided upheld overturned pendingAtEnd medianSecondsToDecide }
    automation { automation decisions complaintsDecided overturned }
    automationRules { ruleId policyKey model samples precision recall kappa }
    suspensions { basis kind suspensions } } }
"""
MARCH = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}


def transparency(api: Api, token: str | None = None, **variables: Any) -> Any:
    return api.data(REPORT, {**MARCH, "p": head(api), **variables}, token)["transparencyReport"]


def write_period(api: Api) -> None:
    """An own-initiative removal and its upheld complaint, and a trusted flagger's notice acted on in an hour."""
    made = decide(api, subject=subject("pin-own"))
    submit_report(api, "n-1", reporter="flagger-1", kind="TRUSTED_FLAGGER", subject=subject("pin-tf"))
    api.clock.advance(timedelta(hours=1))
    decide(api, subject=subject("pin-tf"))
    appeal = api.data(FILE, {"i": {"decisionId": made["id"], "statement": "Not spam."}})["fileAppeal"]
    api.clock.advance(timedelta(hours=2))
    bo = api.principal("bo", ["reviewer"])
    api.data(RESOLVE, {"i": {"appealId": appeal["id"], "outcome": "UPHOLD", "rationale": "Spam."}}, token=bo)


def test_a_period_s_report_gives_each_section_s_figures(api: Api) -> None:
    write_period(api)

    report = transparency(api)

    assert (report["from"], report["to"], report["domain"]) == (
        "2026-03-01T00:00:00+00:00", "2026-04-01T00:00:00+00:00", None)
    assert [(r["sourceType"], r["restriction"], r["decisions"]) for r in report["restrictions"]] == [
        ("SOURCE_TRUSTED_FLAGGER", "DECISION_PROVISION_PARTIAL_SUSPENSION", 1),  # acct-1's second strike
        ("SOURCE_TRUSTED_FLAGGER", "DECISION_VISIBILITY_CONTENT_REMOVED", 1),
        ("SOURCE_VOLUNTARY", "DECISION_VISIBILITY_CONTENT_REMOVED", 1),
    ]
    assert report["notices"][-1] == {
        "category": None, "reporterKind": "TRUSTED_FLAGGER", "received": 1, "actioned": 1, "notActioned": 0,
        "openAtEnd": 0, "medianSecondsToAction": 3600.0,
    }
    assert report["complaints"][-1] == {
        "category": None, "filed": 1, "decided": 1, "upheld": 1, "overturned": 0, "pendingAtEnd": 0,
        "medianSecondsToDecide": 7200.0,
    }
    assert report["automation"] == [
        {"automation": "NOT_AUTOMATED", "decisions": 2, "complaintsDecided": 1, "overturned": 0}]


def test_a_closed_period_s_report_is_the_same_when_asked_again_after_more_happened(api: Api) -> None:
    write_period(api)
    api.clock.advance(timedelta(minutes=5))
    closed = {"to": api.clock().isoformat()}
    before = transparency(api, **closed)

    api.clock.advance(timedelta(minutes=5))
    submit_report(api, "n-2", reporter="flagger-1", kind="TRUSTED_FLAGGER", subject=subject("pin-late"))
    decide(api, subject=subject("pin-late"))
    decide(api, subject=subject("pin-other"), policy="harassment")

    assert transparency(api, **closed) == before
    assert transparency(api) != before


def test_to_before_from_is_a_typed_error(api: Api) -> None:
    body = api.post(REPORT, {"from": "2026-04-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"})

    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "to"}
    assert "before" in error["message"]


def test_auditors_and_policy_admins_read_their_domains_and_reviewers_may_not(api: Api) -> None:
    decide(api, subject=subject("pin-1"))
    decide(api, subject=subject("ad-1", "ads", "ad"), policy="misleading_claims", actions=[{"type": "REJECT_AD"}])
    ads_auditor = api.principal("ads-auditor", ["auditor"], ["ads"])
    policy = api.principal("carol", ["policy_admin"])
    reviewer = api.principal("rev", ["reviewer"])

    assert [r["category"] for r in transparency(api, ads_auditor)["restrictions"]] == [
        "STATEMENT_CATEGORY_CONSUMER_INFORMATION"]
    assert transparency(api, ads_auditor, domain="trust_safety")["restrictions"] == []
    assert len(transparency(api, policy)["restrictions"]) == 2
    response = api.client.post("/graphql", json={"query": REPORT, "variables": MARCH},
                               headers={"Authorization": f"Bearer {reviewer}"})
    assert response.status_code == 403 and response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"

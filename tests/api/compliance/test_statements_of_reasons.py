"""statementsOfReasons through GraphQL: each restrictive decision's statement, filtered, paged and access-checked."""

from __future__ import annotations

from typing import Any

from projections.statements_of_reasons.validation import violations
from tests.api.bulk_api import bulk_decide
from tests.api.ledger_api import PUBLISH_POLICY, decide, head, subject
from tests.support import Api

STATEMENTS = """
query($f: StatementFilter, $first: Int, $after: String, $p: String) {
  statementsOfReasons(filter: $f, first: $first, after: $after, minPosition: $p) {
    edges { cursor node { puid decisionId domain policy accountId status correctedAt statement } }
    pageInfo { hasNextPage endCursor } } }
"""
REVERSE = """
mutation($i: ReverseDecisionInput!) { reverseDecision(input: $i) { ... on Decision { position } } }
"""


def statements(api: Api, token: str | None = None, **variables: Any) -> Any:
    return api.data(STATEMENTS, {"p": head(api), **variables}, token)["statementsOfReasons"]


def test_a_decision_s_statement_is_read_with_the_facts_the_decider_added(api: Api) -> None:
    made = decide(api, actions=[{"type": "REMOVE", "territories": ["DE", "AT"]}], dsa={
        "accountType": "PRIVATE", "contentLanguage": "DE", "contentPostedAt": "2026-01-05T10:00:00Z",
        "illegalToo": False,
    })

    [edge] = statements(api)["edges"]
    node = edge["node"]
    assert (node["decisionId"], node["puid"], node["status"], node["accountId"]) == (
        made["id"], f"docket-{made['id']}", "IN_FORCE", "acct-1")
    assert violations(node["statement"]) == []
    assert node["statement"]["territorial_scope"] == ["AT", "DE"]
    assert node["statement"]["account_type"] == "ACCOUNT_TYPE_PRIVATE"
    assert node["statement"]["content_date"] == "2026-01-05"
    assert node["statement"]["incompatible_content_illegal"] == "No"


def test_bad_statement_facts_are_a_validation_error_and_write_nothing(api: Api) -> None:
    before = head(api)
    refused = decide(api, dsa={"contentEan": "4006381333932"})
    assert refused == {"__typename": "ValidationError", "message": refused["message"], "field": "dsa.contentEan"}
    refused = decide(api, dsa={"visibilityOther": "Rejected."})
    assert refused["__typename"] == "ValidationError" and refused["field"] == "dsa.visibilityOther"
    assert head(api) == before


def test_a_policy_s_keywords_legal_ground_and_reference_reach_its_statements(api: Api) -> None:
    published = api.data(PUBLISH_POLICY, {"input": {
        "domain": "trust_safety", "key": "terror", "title": "Terrorist content", "text": "No terrorist content.",
        "severity": "CRITICAL", "strikePoints": 3, "allowedActions": ["REMOVE"],
        "dsaCategory": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "dsaGround": "ILLEGAL_CONTENT",
        "dsaKeywords": ["KEYWORD_TERRORIST_CONTENT"], "legalGround": "Regulation (EU) 2021/784",
        "referenceUrl": "https://example.com/terms#terror",
    }})["publishPolicy"]
    assert published["__typename"] == "Policy"
    decide(api, policy="terror")

    statement = statements(api)["edges"][0]["node"]["statement"]
    assert violations(statement) == []
    assert statement["category_specification"] == ["KEYWORD_TERRORIST_CONTENT"]
    assert statement["illegal_content_legal_ground"] == "Regulation (EU) 2021/784"
    assert statement["decision_ground_reference_url"] == "https://example.com/terms#terror"


def test_a_policy_s_bad_dsa_terms_are_a_validation_error(api: Api) -> None:
    refused = api.data(PUBLISH_POLICY, {"input": {
        "domain": "trust_safety", "key": "terror", "title": "T", "text": "T.", "severity": "LOW", "strikePoints": 1,
        "allowedActions": ["REMOVE"], "dsaCategory": "STATEMENT_CATEGORY_VIOLENCE",
        "dsaGround": "INCOMPATIBLE_CONTENT", "dsaKeywords": ["KEYWORD_DANGEROUS_TOYS"],
    }})["publishPolicy"]
    assert refused["__typename"] == "ValidationError" and refused["field"] == "dsaKeywords"


def test_statements_are_filtered_by_period_domain_and_status_and_paged(api: Api) -> None:
    first = decide(api, subject=subject("pin-1"))
    decide(api, subject=subject("pin-2"))
    api.data(REVERSE, {"i": {"decisionId": first["id"], "rationale": "Decided in error."}})
    decide(api, subject=subject("ad-1", "ads", "ad"), policy="misleading_claims", actions=[{"type": "REJECT_AD"}])

    assert [e["node"]["status"] for e in statements(api)["edges"]] == ["REVERSED", "IN_FORCE", "IN_FORCE"]
    assert [e["node"]["domain"] for e in statements(api, f={"domain": "ads"})["edges"]] == ["ads"]
    assert [e["node"]["decisionId"] for e in statements(api, f={"status": "REVERSED"})["edges"]] == [first["id"]]
    assert statements(api, f={"from": "2000-01-01T00:00:00Z", "to": "2000-01-02T00:00:00Z"})["edges"] == []
    page = statements(api, first=2)
    assert page["pageInfo"]["hasNextPage"] is True
    rest = statements(api, after=page["pageInfo"]["endCursor"])
    assert [e["node"]["domain"] for e in rest["edges"]] == ["ads"]


def test_a_period_that_ends_before_it_starts_is_bad_input(api: Api) -> None:
    body = api.post(STATEMENTS, {"f": {"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_auditors_read_statements_within_their_domains_and_reviewers_may_not(api: Api) -> None:
    decide(api, subject=subject("pin-1"))
    decide(api, subject=subject("ad-1", "ads", "ad"), policy="misleading_claims", actions=[{"type": "REJECT_AD"}])
    ads_auditor = api.principal("ads-auditor", ["auditor"], ["ads"])
    reviewer = api.principal("rev", ["reviewer"])

    assert [e["node"]["domain"] for e in statements(api, ads_auditor)["edges"]] == ["ads"]
    assert statements(api, ads_auditor, f={"domain": "trust_safety"})["edges"] == []
    response = api.client.post("/graphql", json={"query": STATEMENTS},
                               headers={"Authorization": f"Bearer {reviewer}"})
    assert response.status_code == 403 and response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_bulk_decision_s_facts_reach_every_statement_it_makes(api: Api) -> None:
    wave = [{"subject": subject(f"pin-w{n}"), "accountId": f"acct-{n}"} for n in range(3)]
    made = bulk_decide(api, wave, dsa={"accountType": "BUSINESS", "contentLanguage": "FR"})
    assert made["__typename"] == "BatchProgress", made

    nodes = [e["node"] for e in statements(api)["edges"]]
    assert len(nodes) == 3
    assert {(n["statement"]["account_type"], n["statement"]["content_language"]) for n in nodes} == {
        ("ACCOUNT_TYPE_BUSINESS", "FR")}
    refused = bulk_decide(api, wave, dsa={"contentLanguage": "fr"}, idempotencyKey="other")
    assert refused["__typename"] == "ValidationError" and refused["field"] == "dsa.contentLanguage"

"""Notices through GraphQL: issued with decisions, in the account's language, read by role, delivery confirmed once."""

from __future__ import annotations

from typing import Any

from tests.api.bulk_api import bulk_decide
from tests.api.ledger_api import PUBLISH_POLICY, decide, head, subject
from tests.api.review_api import submit_report
from tests.support import Api

NOTICES = """
query($f: NoticeFilter, $first: Int, $after: String, $p: String) {
  notices(filter: $f, first: $first, after: $after, minPosition: $p) {
    edges { cursor node { id kind recipientKind recipientId domain decisionId reportId policy policyVersion outcome
                          automation territories appealDeadline language text status channel deliveredAt } }
    pageInfo { hasNextPage endCursor } } }
"""
SET_LANGUAGE = """
mutation($i: SetAccountLanguageInput!) { setAccountLanguage(input: $i) {
  __typename ... on AccountLanguage { accountId language position } ... on ValidationError { message field }
  ... on NotFoundError { message } } }
"""
CONFIRM = """
mutation($i: ConfirmNoticeDeliveredInput!) { confirmNoticeDelivered(input: $i) {
  __typename ... on Notice { id status channel deliveredAt position } ... on ValidationError { message field }
  ... on NotFoundError { message } } }
"""


def notices(api: Api, token: str | None = None, **variables: Any) -> Any:
    return api.data(NOTICES, {"p": head(api), **variables}, token)["notices"]


def set_language(api: Api, account_id: str, language: str, token: str | None = None) -> Any:
    return api.data(SET_LANGUAGE, {"i": {"accountId": account_id, "language": language}}, token)["setAccountLanguage"]


def confirm(api: Api, notice_id: str, token: str | None = None, **overrides: Any) -> Any:
    values = {"noticeId": notice_id, "channel": "email", "deliveredAt": api.clock().isoformat(),
              "externalRef": "msg-1", **overrides}
    return api.data(CONFIRM, {"i": values}, token)["confirmNoticeDelivered"]


def test_a_decision_tells_the_account_in_its_language_and_the_reporter_the_outcome(api: Api) -> None:
    assert set_language(api, "acct-1", "DE")["__typename"] == "AccountLanguage"
    report = submit_report(api, "k-1", reporter="user-7")
    made = decide(api, actions=[{"type": "REMOVE", "territories": ["DE", "AT"]}])

    reporter, account = (e["node"] for e in notices(api)["edges"])
    assert (account["kind"], account["recipientId"], account["language"]) == ("DECISION", "acct-1", "DE")
    assert (account["decisionId"], account["policy"], account["policyVersion"]) == (made["id"], "spam", 1)
    assert (account["automation"], account["territories"], account["status"]) == (
        "NOT_AUTOMATED", ["AT", "DE"], "ISSUED")
    assert account["appealDeadline"] is not None
    assert "Wie entschieden wurde: von einer Person, ohne automatisierte Mittel." in account["text"]
    assert (reporter["kind"], reporter["recipientKind"], reporter["recipientId"]) == (
        "REPORT_OUTCOME", "REPORTER", "user-7")
    assert reporter["reportId"] == report["id"] and reporter["outcome"] == "VIOLATING"
    assert reporter["language"] == "EN" and "we have acted on it" in reporter["text"]


def test_every_decision_of_a_bulk_decision_is_noticed_once(api: Api) -> None:
    subjects = [{"subject": subject(f"pin-{n}"), "accountId": f"acct-{n}"} for n in range(3)]
    assert bulk_decide(api, subjects, idempotencyKey="bulk-1")["__typename"] == "BatchProgress"
    assert bulk_decide(api, subjects, idempotencyKey="bulk-1")["__typename"] == "BatchProgress"

    edges = notices(api)["edges"]
    assert len(edges) == 3 and {e["node"]["kind"] for e in edges} == {"DECISION"}


def test_a_policy_s_own_template_words_its_notices(api: Api) -> None:
    published = api.data(PUBLISH_POLICY, {"input": {
        "domain": "trust_safety", "key": "scam", "title": "Scams", "text": "No scams.", "severity": "HIGH",
        "strikePoints": 2, "allowedActions": ["REMOVE"], "dsaCategory": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        "dsaGround": "INCOMPATIBLE_CONTENT",
        "noticeTemplates": [{"kind": "DECISION", "language": "EN", "text": "$policy_title: $actions. $appeal"}],
    }})["publishPolicy"]
    assert published["__typename"] == "Policy"
    decide(api, policy="scam")

    [edge] = notices(api)["edges"]
    assert edge["node"]["text"].startswith("Scams: the content was removed")
    assert "You can appeal this decision until " in edge["node"]["text"]


def test_a_template_naming_what_a_notice_cannot_say_is_refused_and_publishes_nothing(api: Api) -> None:
    before = head(api)
    refused = api.data(PUBLISH_POLICY, {"input": {
        "domain": "trust_safety", "key": "scam", "title": "Scams", "text": "No scams.", "severity": "HIGH",
        "strikePoints": 2, "allowedActions": ["REMOVE"], "dsaCategory": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        "dsaGround": "INCOMPATIBLE_CONTENT",
        "noticeTemplates": [{"kind": "DECISION", "language": "EN", "text": "You said: $rationale"}],
    }})["publishPolicy"]

    assert refused["__typename"] == "ValidationError" and refused["field"] == "noticeTemplates.text"
    assert head(api) == before


def test_delivery_is_confirmed_once_and_filters_choose(api: Api) -> None:
    decide(api)
    decide(api, subject=subject("pin-2"), accountId="acct-2")
    first = notices(api, f={"accountId": "acct-1"})["edges"][0]["node"]

    confirmed = confirm(api, first["id"])
    again = confirm(api, first["id"], channel="push")

    assert (confirmed["status"], confirmed["channel"]) == ("DELIVERED", "email")
    assert (again["status"], again["channel"], again["position"]) == ("DELIVERED", "email", confirmed["position"])
    [delivered] = notices(api, f={"status": "DELIVERED"})["edges"]
    assert delivered["node"]["id"] == first["id"] and delivered["node"]["deliveredAt"] is not None
    assert [e["node"]["recipientId"] for e in notices(api, f={"status": "ISSUED"})["edges"]] == ["acct-2"]
    assert [e["node"]["recipientId"] for e in notices(api, f={"decisionId": first["decisionId"]})["edges"]] == [
        "acct-1"]


def test_notices_are_paged_in_issue_order(api: Api) -> None:
    for n in range(3):
        decide(api, subject=subject(f"pin-{n}"))

    page = notices(api, first=2)
    rest = notices(api, first=2, after=page["pageInfo"]["endCursor"])

    assert page["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert len(page["edges"]) == 2 and len(rest["edges"]) == 1


def test_bad_input_is_refused_and_writes_nothing(api: Api) -> None:
    decide(api)
    notice_id = notices(api)["edges"][0]["node"]["id"]
    before = head(api)

    assert set_language(api, "acct-1", "german")["field"] == "language"
    assert confirm(api, notice_id, channel="E Mail")["field"] == "channel"
    assert confirm(api, notice_id, deliveredAt="2020-01-01T00:00:00Z")["field"] == "deliveredAt"
    assert confirm(api, "not-a-uuid")["field"] == "noticeId"
    assert confirm(api, "00000000-0000-0000-0000-000000000000")["__typename"] == "NotFoundError"
    assert head(api) == before
    body = api.post(NOTICES, {"f": {"decisionId": "nope"}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_who_reads_and_confirms_notices(api: Api) -> None:
    decide(api)
    decide(api, subject=subject("ad-1", domain="ads", kind="ad"), policy="misleading_claims",
           actions=[{"type": "REJECT_AD"}])
    ads_auditor = api.principal("ads-auditor", ["auditor"], ["ads"])
    reviewer = api.principal("rev", ["reviewer"])
    ads_service = api.principal("ads-notify", ["service"], ["ads"])
    trust_notice = notices(api, f={"domain": "trust_safety"})["edges"][0]["node"]["id"]

    assert [e["node"]["domain"] for e in notices(api, ads_auditor)["edges"]] == ["ads"]
    response = api.client.post("/graphql", json={"query": NOTICES}, headers={"Authorization": f"Bearer {reviewer}"})
    assert response.status_code == 403 and response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert confirm(api, trust_notice, ads_service)["__typename"] == "NotFoundError"
    assert set_language(api, "acct-1", "FR", ads_service)["__typename"] == "NotFoundError"

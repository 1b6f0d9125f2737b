"""Domain scopes: a principal scoped to ads sees and changes only ads; the rest behaves as if it did not exist."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from app.automation.test_server import RunningServer
from app.graphql.core.access import ALLOWED
from domain.notice import Notice, RecipientKind
from tests.api.automation_api import (
    AUTO_ACTION,
    AUTO_ACTIONS,
    CONFIGURE,
    PROTECT,
    SET_MODE,
    UNPROTECT,
    configure,
    rule_input,
)
from tests.api.bulk_api import BULK_DECIDE, REVERSE_BATCH, bulk_decide, bulk_input
from tests.api.ledger_api import (
    DECIDE,
    FILE,
    RECORD_DETECTION,
    RECORD_DETECTIONS,
    RESOLVE,
    decide_input,
    detection_input,
    head,
    settle,
    subject,
)
from tests.api.review_api import (
    CLAIM_NEXT,
    CREATE_QUEUE,
    DISMISS,
    ESCALATE,
    NOTE,
    PRIORITY,
    RELEASE,
    RENEW,
    SET_ROUTING,
    SKIP,
    SUBMIT_REPORT,
    UPDATE_QUEUE,
    create_queue,
    set_routing,
    submit_report,
)
from tests.support import Api

UNSCOPED = {"Query.health", "Query.ledgerIntegrity"}
"""Figures about the ledger as a whole, not about any domain's subjects."""

ADS = subject("ad-1", "ads", "ad")
TS = subject("pin-1", "trust_safety", "pin")
ADS_3 = subject("ad-3", "ads", "ad")
TS_3 = subject("pin-3", "trust_safety", "pin")


class Calls:
    """Runs documents as one principal and remembers which root fields it exercised."""

    def __init__(self, api: Api, token: str) -> None:
        self.api, self.token = api, token
        self.fields: set[str] = set()

    def data(self, field: str, document: str, variables: dict[str, Any] | None = None) -> Any:
        self.fields.add(field)
        return self.api.data(document, variables, self.token)[field.split(".")[1]]


@pytest.fixture
def seeded(api: Api, models: RunningServer) -> dict[str, Any]:
    """One account struck in ads and in trust & safety, each decision appealed; a t&s-only account too."""
    made = {}
    for name, where, policy, action in (("ads", ADS, "misleading_claims", "REJECT_AD"), ("ts", TS, "spam", "REMOVE")):
        api.data(RECORD_DETECTION, {"input": detection_input(f"clf-{name}", subject=where, policy=policy)})
        decided = api.data(DECIDE, {"input": decide_input(subject=where, policy=policy, actions=[{"type": action}])})[
            "decide"
        ]
        appeal = api.data(FILE, {"i": {"decisionId": decided["id"], "statement": "Not me."}})["fileAppeal"]
        notice = Notice.create_id(UUID(decided["id"]), RecipientKind.ACCOUNT, "acct-1")
        made[name] = {"decision": decided["id"], "appeal": appeal["id"], "notice": str(notice)}
    other = subject("pin-2", "trust_safety", "pin")
    api.data(RECORD_DETECTION, {"input": detection_input("clf-other", subject=other, accountId="acct-ts-only")})
    create_queue(api, "ts_general")
    create_queue(api, "ads_review", "ads")
    set_routing(
        api, [{"queue": "ads_review", "domains": ["ads"]}, {"queue": "ts_general", "domains": ["trust_safety"]}],
        "ts_general",
    )
    for where, policy in ((ADS_3, "misleading_claims"), (TS_3, "spam")):
        assert submit_report(api, f"r-{where['id']}", "user-9", subject=where, policy=policy)["__typename"] == "Report"
    made["ts"]["batch"] = bulk_decide(api, [{"subject": subject("pin-4"), "accountId": "acct-1"}])["batchId"]
    made["ads"]["batch"] = bulk_decide(
        api, [{"subject": subject("ad-4", "ads", "ad"), "accountId": "acct-1"}], policy="misleading_claims",
        actions=[{"type": "REJECT_AD"}],
    )["batchId"]
    made["webhook"] = api.data(CREATE_WEBHOOK, {"i": {"url": "https://8.8.8.8/hook", "description": "d"}})[
        "createWebhook"]["webhook"]["id"]
    made["ts"]["rule"] = configure(api, models)["id"]
    ads_rule = configure(api, models, domain="ads", policy="misleading_claims", allowedActions=["REJECT_AD"])
    made["ads"]["rule"] = ads_rule["id"]
    api.data(PROTECT, {"i": {"accountId": "acct-1", "reason": "Partner."}})
    settle(api)
    return made


def test_an_ads_principal_reads_only_ads(api: Api, seeded: dict[str, Any]) -> None:
    calls = Calls(api, api.principal("ads-auditor", ["auditor"], ["ads"]))

    acct = calls.data("Query.account", """{ account(id: "acct-1") {
        standings { domain } strikes { policy } appeals { policy }
        cases { edges { node { subject { domain } } } } } }""")
    assert {s["policy"] for s in acct["strikes"]} == {"misleading_claims"}
    assert (acct["standings"], acct["appeals"]) == ([{"domain": "ads"}], [{"policy": "misleading_claims"}])
    assert domains_of(acct["cases"]) == {"ads"}
    assert calls.data("Query.account", '{ account(id: "acct-ts-only") { id } }') is None

    case = "query($s: SubjectInput!) { case(subject: $s) { subject { domain } } }"
    assert calls.data("Query.case", case, {"s": ADS}) == {"subject": {"domain": "ads"}}
    assert calls.data("Query.case", case, {"s": TS}) is None

    decision = "query($id: ID!) { decision(id: $id) { policy } }"
    assert calls.data("Query.decision", decision, {"id": seeded["ads"]["decision"]}) == {"policy": "misleading_claims"}
    assert calls.data("Query.decision", decision, {"id": seeded["ts"]["decision"]}) is None

    appeal = "query($id: ID!) { appeal(id: $id) { policy } }"
    assert calls.data("Query.appeal", appeal, {"id": seeded["ads"]["appeal"]}) == {"policy": "misleading_claims"}
    assert calls.data("Query.appeal", appeal, {"id": seeded["ts"]["appeal"]}) is None

    appeals = "query($d: String) { appeals(domain: $d) { edges { node { subject { domain } } } } }"
    assert domains_of(calls.data("Query.appeals", appeals)) == {"ads"}
    assert domains_of(calls.data("Query.appeals", appeals, {"d": "trust_safety"})) == set()

    queue = "query($d: String) { reviewQueue(domain: $d) { edges { node { subject { domain } } } } }"
    assert domains_of(calls.data("Query.reviewQueue", queue)) <= {"ads"}
    assert domains_of(calls.data("Query.reviewQueue", queue, {"d": "trust_safety"})) == set()

    trail = """query($s: SubjectInput, $a: String) { auditTrail(subject: $s, accountId: $a) {
        edges { node { domain } } } }"""
    assert {e["node"]["domain"] for e in calls.data("Query.auditTrail", trail, {"a": "acct-1"})["edges"]} == {"ads"}
    assert calls.data("Query.auditTrail", trail, {"s": TS})["edges"] == []

    policies = calls.data("Query.policies", "{ policies { domain } }")
    assert {p["domain"] for p in policies} == {"ads"}
    assert calls.data("Query.policies", '{ policies(domain: "trust_safety") { key } }') == []

    events = """query($f: EventFilter) { events(first: 500, filter: $f) { edges { node { data } } } }"""
    everything = calls.data("Query.events", events)["edges"]
    assert any("misleading_claims" in json.dumps(e["node"]["data"]) for e in everything)
    # Nothing of trust & safety: not its subjects, nor the account's strike under its spam policy.
    assert not any(word in json.dumps(e["node"]["data"]) for e in everything for word in ("trust_safety", '"spam"'))
    assert calls.data("Query.events", events, {"f": {"domains": ["trust_safety"]}})["edges"] == []

    assert [q["name"] for q in calls.data("Query.queues", "{ queues { name } }")] == ["ads_review"]
    queue = "query($n: String!) { queue(name: $n) { name } }"
    assert calls.data("Query.queue", queue, {"n": "ts_general"}) is None
    assert calls.data("Query.queue", queue, {"n": "ads_review"}) == {"name": "ads_review"}
    entries = "query($n: String!) { queueEntries(queue: $n) { subject { domain } } }"
    assert calls.data("Query.queueEntries", entries, {"n": "ts_general"}) == []
    assert {e["subject"]["domain"] for e in calls.data("Query.queueEntries", entries, {"n": "ads_review"})} == {"ads"}
    routing = calls.data("Query.routing", "{ routing { defaultQueue rules { queue } } }")
    assert routing == {"defaultQueue": None, "rules": [{"queue": "ads_review"}]}
    assert calls.data("Query.reporter", '{ reporter(id: "user-9") { reports } }') is None
    cases = "query($f: CaseFilter) { cases(filter: $f) { edges { node { subject { domain } } } } }"
    assert domains_of(calls.data("Query.cases", cases)) == {"ads"}
    assert domains_of(calls.data("Query.cases", cases, {"f": {"domain": "trust_safety"}})) == set()
    figures = "{ queueFigures { name } }"
    assert [f["name"] for f in calls.data("Query.queueFigures", figures)] == ["ads_review"]
    assert calls.data("Query.reviewerFigures", "{ reviewerFigures { name } }") == []
    batch = "query($id: ID!) { batch(id: $id) { domain } }"
    assert calls.data("Query.batch", batch, {"id": seeded["ts"]["batch"]}) is None
    assert calls.data("Query.batch", batch, {"id": seeded["ads"]["batch"]}) == {"domain": "ads"}
    # Webhooks are sent every domain's events: a scoped principal sees none.
    assert calls.data("Query.webhooks", "{ webhooks { id } }") == []
    hook = seeded["webhook"]
    assert calls.data("Query.webhook", "query($id: ID!) { webhook(id: $id) { id } }", {"id": hook}) is None
    log = "query($id: ID!) { webhookDeliveries(webhook: $id) { edges { cursor } } }"
    assert calls.data("Query.webhookDeliveries", log, {"id": hook}) == {"edges": []}
    rules = "query($p: String) { automationRules(policy: $p) { id domain } }"
    assert calls.data("Query.automationRules", rules) == [{"id": seeded["ads"]["rule"], "domain": "ads"}]
    assert calls.data("Query.automationRules", rules, {"p": "spam"}) == []
    impact = """query($r: ID!) { automationImpact(rule: $r, from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z") {
      rule } }"""
    assert calls.data("Query.automationImpact", impact, {"r": seeded["ts"]["rule"]}) is None
    assert calls.data("Query.automationImpact", impact, {"r": seeded["ads"]["rule"]}) == {"rule": seeded["ads"]["rule"]}
    api.clock.advance(timedelta(days=1))  # every confirmation awaited falls due
    unconfirmed = "query($d: String) { unconfirmedActions(domain: $d) { edges { node { subject { domain } } } } }"
    assert domains_of(calls.data("Query.unconfirmedActions", unconfirmed)) == {"ads"}
    assert domains_of(calls.data("Query.unconfirmedActions", unconfirmed, {"d": "trust_safety"})) == set()

    statements = "query($f: StatementFilter) { statementsOfReasons(filter: $f) { edges { node { domain } } } }"
    assert {e["node"]["domain"] for e in calls.data("Query.statementsOfReasons", statements)["edges"]} == {"ads"}
    assert calls.data("Query.statementsOfReasons", statements, {"f": {"domain": "trust_safety"}})["edges"] == []
    report = ('query($d: String) { transparencyReport(from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z", '
              "domain: $d) { decisions { category decisions } notices { received } } }")
    ads_only = api.data(report, {"d": "ads"})["transparencyReport"]
    assert calls.data("Query.transparencyReport", report) == ads_only and ads_only["decisions"] != []
    assert calls.data("Query.transparencyReport", report, {"d": "trust_safety"}) == {"decisions": [], "notices": []}

    notices = "query($f: NoticeFilter) { notices(filter: $f) { edges { node { domain } } } }"
    assert {e["node"]["domain"] for e in calls.data("Query.notices", notices)["edges"]} == {"ads"}
    assert calls.data("Query.notices", notices, {"f": {"domain": "trust_safety"}})["edges"] == []

    assert calls.fields == {f for f in ALLOWED if f.startswith("Query.")} - UNSCOPED


def test_an_ads_principal_changes_only_ads_and_is_told_nothing_else_exists(api: Api, seeded: dict[str, Any]) -> None:
    token = api.principal("ads-everything", ["policy_admin", "reviewer", "service"], ["ads"])
    calls = Calls(api, token)
    before = head(api)

    refused = {
        "Mutation.recordDetection": calls.data("Mutation.recordDetection", RECORD_DETECTION, {
            "input": detection_input("clf-new", subject=TS)}),
        "Mutation.recordDetections": calls.data("Mutation.recordDetections", RECORD_DETECTIONS, {
            "inputs": [detection_input("clf-a", subject=ADS, policy="misleading_claims"),
                       detection_input("clf-b", subject=TS)]}),
        "Mutation.decide": calls.data("Mutation.decide", DECIDE, {"input": decide_input(subject=TS)}),
        "Mutation.fileAppeal": calls.data("Mutation.fileAppeal", FILE, {
            "i": {"decisionId": seeded["ts"]["decision"], "statement": "x"}}),
        "Mutation.resolveAppeal": calls.data("Mutation.resolveAppeal", RESOLVE, {
            "i": {"appealId": seeded["ts"]["appeal"], "outcome": "OVERTURN", "rationale": "x"}}),
        "Mutation.publishPolicy": calls.data("Mutation.publishPolicy", """mutation($i: PublishPolicyInput!) {
            publishPolicy(input: $i) { __typename ... on NotFoundError { message } } }""", {"i": {
            "domain": "trust_safety", "key": "new", "title": "t", "text": "t", "severity": "LOW", "strikePoints": 1,
            "allowedActions": ["REMOVE"], "dsaCategory": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
            "dsaGround": "INCOMPATIBLE_CONTENT"}}),
    }

    refused |= refused_review_work(calls, seeded)
    refused |= refused_automation(calls, seeded)
    assert {name: r["__typename"] for name, r in refused.items()} == dict.fromkeys(refused, "NotFoundError")
    # Indistinguishable from a domain that really has no such policy.
    unknown = api.data(DECIDE, {"input": decide_input(subject=subject("x", "nowhere"), policy="spam")})["decide"]
    assert refused["Mutation.decide"]["message"] == unknown["message"].replace("nowhere", "trust_safety")
    assert refused["Mutation.recordDetections"]["message"].startswith("inputs[1]: ")
    admin = Calls(api, api.principal("ads-admin", ["admin"], ["ads"]))
    webhooks = refused_webhook_changes(admin, seeded["webhook"]) | refused_erasure(admin)
    assert {name: r["__typename"] for name, r in webhooks.items()} == dict.fromkeys(webhooks, "NotFoundError")
    assert head(api) == before
    assert calls.fields | admin.fields == {f for f in ALLOWED if f.startswith("Mutation.")}

    allowed = calls.data("Mutation.decide", DECIDE, {"input": decide_input(
        subject=subject("ad-2", "ads", "ad"), policy="misleading_claims", actions=[{"type": "REJECT_AD"}])})
    assert allowed["__typename"] == "Decision"


def refused_review_work(calls: Calls, seeded: dict[str, Any]) -> dict[str, Any]:
    """Every review and correction write aimed at trust & safety, as an ads principal."""
    case_update = "__typename ... on NotFoundError { message }"
    queue = {"name": "ts_general", "domain": "trust_safety", "description": "d"}
    return {
        "Mutation.submitReport": calls.data("Mutation.submitReport", SUBMIT_REPORT, {"i": {
            "subject": TS, "reporter": {"id": "user-1", "kind": "USER"}, "policy": "spam", "text": "t",
            "idempotencyKey": "k"}}),
        "Mutation.createQueue": calls.data("Mutation.createQueue", CREATE_QUEUE, {"i": {**queue, "name": "ts_new"}}),
        "Mutation.updateQueue": calls.data("Mutation.updateQueue", UPDATE_QUEUE, {"i": {**queue, "domain": "ads"}}),
        "Mutation.setRoutingRules": calls.data("Mutation.setRoutingRules", SET_ROUTING, {"i": {
            "rules": [{"queue": "ads_review"}], "defaultQueue": "ads_review"}}),
        "Mutation.claimNext": calls.data("Mutation.claimNext", CLAIM_NEXT, {"q": "ts_general"}),
        "Mutation.renewClaim": calls.data("Mutation.renewClaim", RENEW, {"s": TS_3}),
        "Mutation.releaseClaim": calls.data("Mutation.releaseClaim", RELEASE, {"s": TS_3}),
        "Mutation.skipCase": calls.data("Mutation.skipCase", SKIP, {"s": TS_3}),
        "Mutation.dismissCase": calls.data("Mutation.dismissCase", DISMISS, {"i": {
            "subject": TS_3, "policy": "spam", "rationale": "r"}}),
        "Mutation.escalateCase": calls.data("Mutation.escalateCase", ESCALATE, {"i": {
            "subject": ADS_3, "policy": "misleading_claims", "queue": "ts_general", "note": "n"}}),
        "Mutation.addCaseNote": calls.data("Mutation.addCaseNote", NOTE, {"i": {"subject": TS_3, "note": "n"}}),
        "Mutation.setCasePriority": calls.data("Mutation.setCasePriority", PRIORITY, {"i": {
            "subject": TS_3, "policy": "spam", "priority": 9, "reason": "r"}}),
        "Mutation.warnReporter": calls.data("Mutation.warnReporter", f"""mutation($i: WarnReporterInput!) {{
            warnReporter(input: $i) {{ {case_update} }} }}""", {"i": {"reporterId": "user-9", "reason": "r"}}),
        "Mutation.suspendReporter": calls.data("Mutation.suspendReporter", f"""mutation($i: SuspendReporterInput!) {{
            suspendReporter(input: $i) {{ {case_update} }} }}""", {"i": {
            "reporterId": "user-9", "reason": "r", "until": "2027-01-01T00:00:00+00:00"}}),
        "Mutation.reverseDecision": calls.data("Mutation.reverseDecision", f"""mutation($i: ReverseDecisionInput!) {{
            reverseDecision(input: $i) {{ {case_update} }} }}""", {"i": {
            "decisionId": seeded["ts"]["decision"], "rationale": "r"}}),
        "Mutation.bulkDecide": calls.data("Mutation.bulkDecide", BULK_DECIDE, {"i": bulk_input(
            [{"subject": subject("pin-9"), "accountId": "a"}, {"subject": TS_3, "accountId": "a"}])}),
        "Mutation.reverseBatch": calls.data("Mutation.reverseBatch", REVERSE_BATCH, {"i": {
            "batchId": seeded["ts"]["batch"], "rationale": "r"}}),
        "Mutation.confirmActionApplied": calls.data("Mutation.confirmActionApplied", f"""mutation(
            $i: ConfirmActionAppliedInput!) {{ confirmActionApplied(input: $i) {{ {case_update} }} }}""", {"i": {
            "decisionId": seeded["ts"]["decision"], "action": "REMOVE", "system": "search",
            "appliedAt": "2026-03-02T09:30:00Z"}}),
    }


CREATE_WEBHOOK = """mutation($i: CreateWebhookInput!) { createWebhook(input: $i) {
    __typename ... on CreatedWebhook { webhook { id } } ... on NotFoundError { message } } }"""


def refused_webhook_changes(calls: Calls, webhook_id: str) -> dict[str, Any]:
    """Webhooks span every domain: an admin scoped to some is told there are none."""
    answer = "__typename ... on NotFoundError { message }"
    changes = {
        "createWebhook": ("CreateWebhookInput", {"url": "https://8.8.8.8/other", "description": "d"}),
        "rotateWebhookSecret": ("RotateWebhookSecretInput", {"webhookId": webhook_id}),
        "disableWebhook": ("DisableWebhookInput", {"webhookId": webhook_id, "reason": "r"}),
        "enableWebhook": ("EnableWebhookInput", {"webhookId": webhook_id}),
        "redeliver": ("RedeliverInput", {"webhookId": webhook_id}),
    }
    return {
        f"Mutation.{name}": calls.data(
            f"Mutation.{name}", f"mutation($i: {kind}!) {{ {name}(input: $i) {{ {answer} }} }}", {"i": value})
        for name, (kind, value) in changes.items()
    }


def refused_erasure(admin: Calls) -> dict[str, Any]:
    """An account's personal data spans every domain: an admin scoped to some is told there is no such account."""
    hold = {"accountId": "acct-1", "reason": "r", "authority": "a"}
    changes = {
        "eraseAccountData": ("EraseAccountDataInput", {"accountId": "acct-1", "reason": "r"}),
        "placeLegalHold": ("LegalHoldInput", hold),
        "liftLegalHold": ("LegalHoldInput", hold),
    }
    return {
        f"Mutation.{name}": admin.data(
            f"Mutation.{name}", f"mutation($i: {kind}!) {{ {name}(input: $i) {{ __typename }} }}", {"i": value})
        for name, (kind, value) in changes.items()
    }


def refused_automation(calls: Calls, seeded: dict[str, Any]) -> dict[str, Any]:
    """Every automation write aimed at trust & safety, or at the accounts every domain shares, as an ads principal."""
    protection = {"accountId": "acct-1", "reason": "r"}
    return {
        "Mutation.configureAutomation": calls.data("Mutation.configureAutomation", CONFIGURE, {
            "i": rule_input("http://127.0.0.1:9/v1")}),
        "Mutation.setAutomationMode": calls.data("Mutation.setAutomationMode", SET_MODE, {"i": {
            "rule": seeded["ts"]["rule"], "mode": "SHADOW", "reason": "r"}}),
        "Mutation.autoAction": calls.data("Mutation.autoAction", AUTO_ACTION, {"i": {
            "subject": TS, "policy": "spam", "content": {"text": "t"}}}),
        "Mutation.autoActions": calls.data("Mutation.autoActions", AUTO_ACTIONS, {"i": [{
            "subject": TS, "policy": "spam", "content": {"text": "t"}}]}),
        "Mutation.protectAccount": calls.data("Mutation.protectAccount", PROTECT, {"i": protection}),
        "Mutation.unprotectAccount": calls.data("Mutation.unprotectAccount", UNPROTECT, {"i": protection}),
        "Mutation.setAccountLanguage": calls.data("Mutation.setAccountLanguage", """mutation(
            $i: SetAccountLanguageInput!) { setAccountLanguage(input: $i) { __typename ... on NotFoundError {
            message } } }""", {"i": {"accountId": "acct-1", "language": "DE"}}),
        "Mutation.confirmNoticeDelivered": calls.data("Mutation.confirmNoticeDelivered", """mutation(
            $i: ConfirmNoticeDeliveredInput!) { confirmNoticeDelivered(input: $i) { __typename ... on NotFoundError {
            message } } }""", {"i": {"noticeId": seeded["ts"]["notice"], "channel": "email",
                                     "deliveredAt": "2026-03-02T09:30:00Z"}}),
    }


def domains_of(connection: dict[str, Any]) -> set[str]:
    return {edge["node"]["subject"]["domain"] for edge in connection["edges"]}

"""With the projector stopped, every mutation still works and answers at once, with what it wrote as the read
models show it once they have caught up; domain scopes still hide what lies outside a caller's domains."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from starlette.testclient import TestClient

from app.auth.tokens import create_token
from app.automation.test_server import RunningServer
from app.config.settings import Settings
from app.graphql.schema import build_schema
from app.http.asgi import create_app
from app.runtime.wiring import Runtime, open_runtime
from domain.automation import EvaluationFigures, ItemVerdict
from domain.notice import Notice, RecipientKind
from tests.api.automation_api import rule_input
from tests.api.bulk_api import bulk_input
from tests.api.ledger_api import decide_input, detection_input, subject
from tests.support import Api, MovableClock

SUBJECT = "subject { domain kind id }"
CONTENT = "content { uri hash version }"
POLICY = (
    "domain key version title text severity strikePoints allowedActions dsaCategory dsaGround zeroTolerance retired "
    "confirmations { action systems withinMinutes }"
)
DETECTION = f"id policy policyVersion source externalId confidence model contentType {CONTENT} automated detectedAt"
STRIKE = "strike { id domain policy policyVersion points decisionId issuedAt expiresAt removedAt removalReason }"
DECISION = (
    f"id policy policyVersion outcome actions {{ type territories endsAt }} rationale detectionIds {CONTENT} "
    f"automation dsaCategory dsaGround live supersededBy supersedes decidedAt decidedBy {STRIKE} reversedAt "
    "reversalReason batchId confirmations { action system status dueAt appliedAt externalRef reversedAt "
    "reversalExternalRef }"
)
CONFIRMATION = (
    f"decisionId action system status dueAt appliedAt externalRef reversedAt reversalExternalRef {SUBJECT} accountId "
    "policy"
)
APPEAL = (
    f"id decisionId {SUBJECT} accountId policy statement status filedAt filedBy windowEndsAt resolvedAt resolvedBy "
    "rationale"
)
REPORT = (
    f"id caseId {SUBJECT} accountId policy reporterId reporterKind text {CONTENT} status outcome decisionId told "
    "submittedAt submittedBy closedAt"
)
QUEUE = "name domain description createdAt createdBy"
ROUTING = "rules { queue domains policies sources reporterKinds subjectKinds severities minConfidence } defaultQueue"
CLAIM = f"caseId {SUBJECT} queue policy holder claimedAt expiresAt live"
ENTRY = (
    f"caseId {SUBJECT} accountId policy severity maxConfidence detections oldestDetectedAt enqueuedAt reports queue "
    "priority escalated"
)
REPORTER = (
    "id kind reports closed upheld upheldRate warnings lastWarnedAt lastWarning suspendedUntil suspensionReason "
    "suspended"
)
COUNTS = "status total decided skipped failed reversed kept"
RULE = (
    "id domain policy model apiBase apiKeyEnv fallbacks threshold allowedActions launchCriteria { minSamples } "
    "qaSampleRate precisionFloor caps { perDay } policyVersion mode modeReason modeChangedAt modeChangedBy "
    "evaluation { samples evaluatedAt }"
)
CASE = f"""query($s: SubjectInput!) {{ case(subject: $s) {{ id {SUBJECT}
  detections {{ {DETECTION} }} reports {{ {REPORT} }} claim {{ {CLAIM} }} waiting {{ {ENTRY} }} }} }}"""
FAILURES = "... on ValidationError { message field } ... on NotFoundError { message } ... on ConflictError { message }"
NOT_FOUND = "__typename ... on NotFoundError { message }"


@pytest.fixture
def stopped(database_url: str, clock: MovableClock, tmp_path: Path) -> Iterator[tuple[Api, Runtime]]:
    """The app with its projections off: its read models move only when the test catches them up."""
    tokens_file = tmp_path / "tokens.toml"
    token = create_token(tokens_file, "alice", ["admin"], ["*"])
    settings = Settings(database_url=database_url, tokens_file=tokens_file, run_projections=False,
                        consistency_timeout=0.5)
    open_runtime(settings, clock=clock).close()
    with TestClient(create_app(settings, clock=clock)) as client:
        api = Api(client=client, token=token, clock=clock, tokens={"alice": token}, tokens_file=tokens_file)
        yield api, client.app.state.runtime  # type: ignore[attr-defined]


class Mutations:
    """Runs mutations, each answering with the type it should, and remembers which ran."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.ran: set[str] = set()

    def __call__(
        self, signature: str, call: str, variables: dict[str, Any], typename: str, fields: str, token: str | None = None
    ) -> Any:
        name = call.split("(")[0]
        answered = f"__typename ... on {typename} {{ {fields} }} {FAILURES}"
        document = f"mutation({signature}) {{ {name}: {call} {{ {answered} }} }}"
        answer = self.api.data(document, variables, token)[name]
        assert answer["__typename"] == typename, answer
        self.ran.add(name)
        return answer


def automation_work(mutate: Mutations, models: RunningServer) -> dict[str, Any]:
    """A spam rule configured, in SHADOW, agreed with by a reviewer, evaluated (as docket eval would) and promoted to
    AUTO, run on a pin; an account protected and unprotected; the decided account's data held, released and erased."""
    configured = mutate("$i: ConfigureAutomationInput!", "configureAutomation(input: $i)", {
        "i": rule_input(models.url, launchCriteria={"minSamples": 1, "minKappa": 0})}, "AutomationRule", "id")
    mode = "$i: SetAutomationModeInput!", "setAutomationMode(input: $i)"
    mutate(*mode, {"i": {"rule": configured["id"], "mode": "SHADOW", "reason": "Measure."}}, "AutomationRule", "id")
    shadowed = {"subject": subject("pin-39"), "accountId": "acct-39", "policy": "spam",
                "content": {"text": "Buy 5000 cheap followers now!!! fast.example fast.example"}}
    mutate("$i: AutoActionInput!", "autoAction(input: $i)", {"i": shadowed}, "AutoActionOutcome", "position")
    mutate("$i: DecideInput!", "decide(input: $i)", {"i": decide_input(subject=subject("pin-39"), accountId="acct-39")},
           "Decision", "id")
    runtime: Runtime = mutate.api.client.app.state.runtime  # type: ignore[attr-defined]
    runtime.projector.catch_up()  # AUTO rests on shadow agreement as far as its read model has measured it
    figures = EvaluationFigures(1, 1, 1.0, 1.0, 1.0, 1.0, ((0, 0), (0, 1)), 0, 0.0, 1.0, 1.0, "g")
    runtime.ledger.record_evaluation(UUID(configured["id"]), figures, (ItemVerdict("a", True, True, 0.9, ""),), "e")
    answers = {"rule": mutate(*mode, {"i": {"rule": configured["id"], "mode": "AUTO", "reason": "Passed."}},
                              "AutomationRule", f"{RULE} position")}
    answers["auto"] = mutate("$i: AutoActionInput!", "autoAction(input: $i)", {"i": {
        "subject": subject("pin-40"), "accountId": "acct-40", "policy": "spam",
        "content": {"text": "Buy 5000 cheap followers now!!! fast.example fast.example"}}}, "AutoActionOutcome",
        "position verdicts { outcome decisionId }")
    answers["autos"] = mutate("$i: [AutoActionInput!]!", "autoActions(inputs: $i)", {"i": [{
        "subject": subject("pin-42"), "accountId": "acct-42", "policy": "spam",
        "content": {"text": "Buy 5000 cheap followers now!!! fast.example fast.example"}}]}, "AutoActionsOutcome",
        "position results { ... on AutoActionOutcome { verdicts { outcome decisionId } } }")
    protection = {"accountId": "acct-41", "reason": "Partner."}
    mutate("$i: ProtectAccountInput!", "protectAccount(input: $i)", {"i": protection}, "AccountProtection", "protected")
    answers["unprotected"] = mutate("$i: ProtectAccountInput!", "unprotectAccount(input: $i)", {"i": protection},
                                    "AccountProtection", "protected")
    hold = {"accountId": "acct-40", "reason": "Litigation.", "authority": "Counsel"}
    mutate("$i: LegalHoldInput!", "placeLegalHold(input: $i)", {"i": hold}, "AccountData", "legalHold")
    mutate("$i: LegalHoldInput!", "liftLegalHold(input: $i)", {"i": hold}, "AccountData", "legalHold")
    mutate("$i: EraseAccountDataInput!", "eraseAccountData(input: $i)", {"i": {"accountId": "acct-40", "reason": "r"}},
           "AccountData", "erasedAt")
    return answers


def read(api: Api, document: str, **variables: Any) -> Any:
    return api.data(document, variables)


def same(answer: dict[str, Any], shown: dict[str, Any]) -> None:
    """The answer is what the read model shows, but for its position: that of the write, at or after the row's."""
    position = answer.pop("position")
    assert position is not None and int(position) >= int(shown.pop("position", None) or 0)
    answer.pop("__typename")
    assert answer == shown


def in_case(api: Api, item: str, kind: str = "pin") -> Any:
    return read(api, CASE, s=subject(item, kind=kind))["case"]


def report(item: str, reporter: str, kind: str = "pin") -> dict[str, Any]:
    return {
        "subject": subject(item, kind=kind), "accountId": f"acct-{item}", "reporter": {"id": reporter, "kind": "USER"},
        "policy": "spam", "text": "Links to a scam.", "idempotencyKey": f"{reporter}-{item}",
    }


def test_every_mutation_answers_what_it_wrote_while_no_read_model_moves(
    stopped: tuple[Api, Runtime], models: RunningServer
) -> None:
    api, runtime = stopped
    bo = api.principal("bo", ["reviewer"])
    ads = api.principal("ads-lead", ["admin"], ["ads"])
    mutate = Mutations(api)
    queue = "$i: QueueInput!", "createQueue(input: $i)"

    # Work waiting in queues the read models know: reports on four pins and on two comments held apart.
    for name in ("ts_general", "ts_held"):
        mutate(*queue, {"i": {"name": name, "domain": "trust_safety", "description": name}}, "Queue", QUEUE)
    mutate("$i: SetRoutingRulesInput!", "setRoutingRules(input: $i)", {"i": {
        "rules": [{"queue": "ts_held", "subjectKinds": ["comment"]}], "defaultQueue": "ts_general"}},
        "RoutingTable", ROUTING)
    submit = "$i: SubmitReportInput!", "submitReport(input: $i)"
    for n, kind in ((1, "pin"), (2, "pin"), (3, "pin"), (4, "pin"), (5, "comment"), (7, "comment")):
        mutate(*submit, {"i": report(f"{kind}-{n}", f"user-{n}", kind)}, "Report", "id")
    runtime.projector.catch_up()

    # From here on nothing projects.
    api.clock.advance(timedelta(minutes=5))
    answers: dict[str, Any] = {}
    answers["policy"] = mutate("$i: PublishPolicyInput!", "publishPolicy(input: $i)", {"i": {
        "domain": "trust_safety", "key": "phishing", "title": "Phishing", "text": "No credential theft.",
        "severity": "HIGH", "strikePoints": 2, "allowedActions": ["REMOVE"], "dsaCategory":
        "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "dsaGround": "ILLEGAL_CONTENT"}}, "Policy", f"{POLICY} position")
    answers["experts"] = mutate(*queue, {"i": {"name": "ts_experts", "domain": "trust_safety", "description": "Hard"}},
                                "Queue", f"{QUEUE} position")
    mutate(*queue, {"i": {"name": "ts_spare", "domain": "trust_safety", "description": "Spare"}}, "Queue", QUEUE)
    answers["spare"] = mutate("$i: QueueInput!", "updateQueue(input: $i)", {"i": {
        "name": "ts_spare", "domain": "trust_safety", "description": "Overflow"}}, "Queue", f"{QUEUE} position")
    answers["routing"] = mutate("$i: SetRoutingRulesInput!", "setRoutingRules(input: $i)", {"i": {
        "rules": [{"queue": "ts_experts", "reporterKinds": ["AUTHORITY"]}, {"queue": "ts_held", "subjectKinds": [
            "comment"]}], "defaultQueue": "ts_general"}}, "RoutingTable", f"{ROUTING} position")
    answers["detection"] = mutate("$i: RecordDetectionInput!", "recordDetection(input: $i)", {"i": detection_input(
        "clf-10", subject=subject("pin-10"), accountId="acct-10", detectedAt="2026-03-02T11:00:00+02:00",
        content={"uri": "https://example.test/pin-10", "hash": "sha256:10", "version": "1"})},
        "Detection", f"{DETECTION} position")
    answers["detections"] = mutate("$i: [RecordDetectionInput!]!", "recordDetections(inputs: $i)", {"i": [
        detection_input("clf-11", subject=subject("pin-11"), accountId=None),
        detection_input("clf-10b", subject=subject("pin-10"), accountId=None, confidence=0.5)]},
        "DetectionBatch", f"position detections {{ {DETECTION} position }}")

    claim = "$q: String!", "claimNext(queue: $q)", {"q": "ts_general"}, "ClaimedCase"
    claims = [mutate(*claim, f"position claim {{ {CLAIM} position }} entry {{ {ENTRY} position }}") for _ in range(4)]
    kept, renewed, released, skipped = (c["claim"]["subject"] for c in claims)
    answers["renewed"] = mutate("$s: SubjectInput!", "renewClaim(subject: $s, leaseSeconds: 900)", {"s": renewed},
                                "Claim", f"{CLAIM} position")
    answers["released"] = mutate("$s: SubjectInput!", "releaseClaim(subject: $s)", {"s": released}, "CaseUpdate",
                                 f"caseId {SUBJECT} position")
    answers["skipped"] = mutate("$s: SubjectInput!", "skipCase(subject: $s)", {"s": skipped}, "CaseUpdate",
                                f"caseId {SUBJECT} position")
    answers["in_review"] = mutate(*submit, {"i": report(renewed["id"], "user-21")}, "Report", f"{REPORT} position")
    answers["open"] = mutate(*submit, {"i": report("pin-20", "user-20")}, "Report", f"{REPORT} position")
    answers["escalated"] = mutate("$i: EscalateCaseInput!", "escalateCase(input: $i)", {"i": {
        "subject": subject("comment-5", kind="comment"), "policy": "spam", "queue": "ts_experts",
        "note": "Coordinated."}}, "CaseUpdate", f"caseId {SUBJECT} position")
    answers["noted"] = mutate("$i: AddCaseNoteInput!", "addCaseNote(input: $i)", {"i": {
        "subject": subject("pin-11"), "note": "Seen before."}}, "CaseUpdate", f"caseId {SUBJECT} position")
    answers["prioritized"] = mutate("$i: SetCasePriorityInput!", "setCasePriority(input: $i)", {"i": {
        "subject": subject("pin-11"), "policy": "spam", "priority": 50, "reason": "Press enquiry"}},
        "CaseUpdate", f"caseId {SUBJECT} position")

    decide = "$i: DecideInput!", "decide(input: $i)"
    answers["decided"] = mutate(*decide, {"i": decide_input(subject=subject("pin-10"), accountId=None)}, "Decision",
                                f"{DECISION} position")
    answers["filed"] = mutate("$i: FileAppealInput!", "fileAppeal(input: $i)", {"i": {
        "decisionId": answers["decided"]["id"], "statement": "It was satire."}}, "Appeal", f"{APPEAL} position")
    overturned = mutate(*decide, {"i": decide_input(subject=subject("pin-13"), accountId="acct-13")}, "Decision", "id")
    appealed = mutate("$i: FileAppealInput!", "fileAppeal(input: $i)", {"i": {
        "decisionId": overturned["id"], "statement": "Look again."}}, "Appeal", "id")
    answers["resolved"] = mutate("$i: ResolveAppealInput!", "resolveAppeal(input: $i)", {"i": {
        "appealId": appealed["id"], "outcome": "OVERTURN", "rationale": "Satire after all."}}, "Appeal",
        f"{APPEAL} position", token=bo)
    corrected = mutate(*decide, {"i": decide_input(subject=subject("pin-12"), accountId="acct-12")}, "Decision", "id")
    answers["reversed"] = mutate("$i: ReverseDecisionInput!", "reverseDecision(input: $i)", {"i": {
        "decisionId": corrected["id"], "rationale": "Wrong subject."}}, "Decision", f"{DECISION} position")
    applied = mutate(*decide, {"i": decide_input(subject=subject("pin-14"), accountId="acct-14")}, "Decision", "id")
    answers["confirmed"] = mutate("$i: ConfirmActionAppliedInput!", "confirmActionApplied(input: $i)", {"i": {
        "decisionId": applied["id"], "action": "REMOVE", "system": "boards", "appliedAt": api.clock().isoformat(),
        "externalRef": "boards-17"}}, "ActionConfirmation", f"{CONFIRMATION} position")
    mutate("$i: SetAccountLanguageInput!", "setAccountLanguage(input: $i)", {"i": {
        "accountId": "acct-15", "language": "DE"}}, "AccountLanguage", "accountId language position")
    notice = Notice.create_id(UUID(applied["id"]), RecipientKind.ACCOUNT, "acct-14")
    answers["notified"] = mutate("$i: ConfirmNoticeDeliveredInput!", "confirmNoticeDelivered(input: $i)", {"i": {
        "noticeId": str(notice), "channel": "email", "deliveredAt": api.clock().isoformat()}}, "Notice",
        "id recipientId language status channel position")
    answers["dismissed"] = mutate("$i: DismissCaseInput!", "dismissCase(input: $i)", {"i": {
        "subject": subject("comment-7", kind="comment"), "policy": "spam", "rationale": "Lawful."}}, "Decision",
        f"{DECISION} position")

    warn = "$i: WarnReporterInput!", "warnReporter(input: $i)"
    answers["warned"] = mutate(*warn, {"i": {"reporterId": "user-2", "reason": "Unfounded."}}, "Reporter",
                               f"{REPORTER} position")
    mutate(*warn, {"i": {"reporterId": "user-1", "reason": "Unfounded."}}, "Reporter", "id")
    answers["suspended"] = mutate("$i: SuspendReporterInput!", "suspendReporter(input: $i)", {"i": {
        "reporterId": "user-1", "reason": "Again.", "until": "2026-04-30T00:00:00+00:00"}}, "Reporter",
        f"{REPORTER} position")

    bulk = "$i: BulkDecideInput!", "bulkDecide(input: $i)"
    progress = f"batchId {COUNTS} position"
    answers["wave"] = mutate(*bulk, {"i": bulk_input([{"subject": subject("pin-30"), "accountId": "acct-30"}],
                                                     idempotencyKey="wave-1")}, "BatchProgress", progress)
    undone = mutate(*bulk, {"i": bulk_input([{"subject": subject("pin-32"), "accountId": "acct-32"}],
                                            idempotencyKey="wave-2")}, "BatchProgress", "batchId")
    answers["undone"] = mutate("$i: ReverseBatchInput!", "reverseBatch(input: $i)", {"i": {
        "batchId": undone["batchId"], "rationale": "Misfire."}}, "BatchProgress", progress)

    answers |= automation_work(mutate, models)

    # Another domain's records answer as records that do not exist, found out on the write side.
    unknown = "00000000-0000-4000-8000-000000000000"
    hidden = {
        "decision": ("$i: FileAppealInput!", "fileAppeal(input: $i)", "decisionId", "statement"),
        "appeal": ("$i: ResolveAppealInput!", "resolveAppeal(input: $i)", "appealId", "rationale"),
        "batch": ("$i: ReverseBatchInput!", "reverseBatch(input: $i)", "batchId", "rationale"),
    }
    for (signature, call, key, text), record in zip(hidden.values(), (
            answers["decided"]["id"], appealed["id"], answers["wave"]["batchId"]), strict=True):
        extra = {"outcome": "UPHOLD"} if key == "appealId" else {}
        refused, absent = (api.data(f"mutation({signature}) {{ r: {call} {{ {NOT_FOUND} }} }}",
                                    {"i": {key: value, text: "x", **extra}}, ads)["r"] for value in (record, unknown))
        assert refused == {**absent, "message": absent["message"].replace(unknown, record)}
    refused = api.data(f"mutation {{ claimNext(queue: \"ts_general\") {{ {NOT_FOUND} }} }}", token=ads)["claimNext"]
    assert refused == {"__typename": "NotFoundError", "message": "no queue named 'ts_general'"}

    hook = ("id url filter { domains eventTypes } description enabled disabledReason secretVersion secretFingerprint "
            "createdAt createdBy")
    created = mutate("$i: CreateWebhookInput!", "createWebhook(input: $i)", {"i": {
        "url": "https://8.8.8.8/hook", "description": "Search", "filter": {
            "domains": ["trust_safety"], "eventTypes": ["Case.Decided"]}}}, "CreatedWebhook",
        f"webhook {{ {hook} }} secret position")
    hook_id = {"webhookId": created["webhook"]["id"]}
    mutate("$i: RotateWebhookSecretInput!", "rotateWebhookSecret(input: $i)", {"i": {**hook_id, "graceSeconds": 60}},
           "RotatedWebhookSecret", "secret previousSecretExpiresAt")
    mutate("$i: DisableWebhookInput!", "disableWebhook(input: $i)", {"i": {**hook_id, "reason": "Maintenance."}},
           "Webhook", "enabled")
    answers["webhook"] = mutate("$i: EnableWebhookInput!", "enableWebhook(input: $i)", {"i": hook_id}, "Webhook",
                                f"{hook} position")
    assert mutate("$i: RedeliverInput!", "redeliver(input: $i)", {"i": hook_id}, "Redelivered", "count") == {
        "__typename": "Redelivered", "count": 0}

    assert mutate.ran == set(build_schema()._schema.mutation_type.fields)  # type: ignore[union-attr]
    assert answers["decided"]["strike"] is not None, "the account the subject's detection named is struck"
    assert answers["in_review"]["status"] == "IN_REVIEW" and answers["open"]["status"] == "OPEN"

    # The read models catch up, and show what each mutation answered.
    runtime.projector.catch_up()
    same(answers["webhook"], read(api, f"query($id: ID!) {{ webhook(id: $id) {{ {hook} position }} }}",
                                  id=hook_id["webhookId"])["webhook"])
    same(answers["policy"], next(
        p for p in read(api, f"{{ policies(domain: \"trust_safety\") {{ {POLICY} }} }}")["policies"]
        if p["key"] == "phishing"))
    for name in ("experts", "spare"):
        same(answers[name], read(api, f"query($n: String!) {{ queue(name: $n) {{ {QUEUE} position }} }}",
                                 n=answers[name]["name"])["queue"])
    same(answers["routing"], read(api, f"{{ routing {{ {ROUTING} }} }}")["routing"])
    detected = {d["id"]: d for item in ("pin-10", "pin-11") for d in in_case(api, item)["detections"]}
    same(answers["detection"], detected[answers["detection"]["id"]])
    for detection in answers["detections"]["detections"]:
        same({**detection, "__typename": "Detection"}, detected[detection["id"]])

    first = claims[0]
    held = in_case(api, kept["id"])
    same({**first["claim"], "__typename": "Claim"}, {**held["claim"], "position": None})
    same({**first["entry"], "__typename": "ReviewQueueEntry"}, {**held["waiting"][0], "position": None})
    same(answers["renewed"], {**in_case(api, renewed["id"])["claim"], "position": None})
    for name, item, kind in (("released", released["id"], "pin"), ("skipped", skipped["id"], "pin"),
                             ("escalated", "comment-5", "comment"), ("noted", "pin-11", "pin"),
                             ("prioritized", "pin-11", "pin")):
        case = in_case(api, item, kind)
        same(answers[name], {"caseId": case["id"], "subject": case["subject"], "position": None})
    escalated = in_case(api, "comment-5", "comment")["waiting"]
    assert [(w["queue"], w["escalated"]) for w in escalated] == [("ts_experts", True)]
    assert [w["priority"] for w in in_case(api, "pin-11")["waiting"]] == [50]
    for name, item in (("in_review", renewed["id"]), ("open", "pin-20")):
        shown = {r["id"]: r for r in in_case(api, item)["reports"]}
        same(answers[name], shown[answers[name]["id"]])

    notices = read(api, "query($f: NoticeFilter) { notices(filter: $f) { edges { node { id recipientId language "
                        "status channel position } } } }", f={"decisionId": applied["id"]})["notices"]["edges"]
    same(answers["notified"], notices[0]["node"])
    for name in ("decided", "reversed", "dismissed"):
        same(answers[name], read(api, f"query($id: ID!) {{ decision(id: $id) {{ {DECISION} position }} }}",
                                 id=answers[name]["id"])["decision"])
    shown = read(api, f"query($id: ID!) {{ decision(id: $id) {{ confirmations {{ {CONFIRMATION} }} }} }}",
                 id=answers["confirmed"]["decisionId"])["decision"]["confirmations"]
    same(answers["confirmed"], {**next(c for c in shown if c["system"] == "boards"), "position": None})
    for name in ("filed", "resolved"):
        same(answers[name], read(api, f"query($id: ID!) {{ appeal(id: $id) {{ {APPEAL} position }} }}",
                                 id=answers[name]["id"])["appeal"])
    for name, reporter in (("warned", "user-2"), ("suspended", "user-1")):
        same(answers[name], read(api, f"query($id: String!) {{ reporter(id: $id) {{ {REPORTER} position }} }}",
                                 id=reporter)["reporter"])
    for name in ("wave", "undone"):
        shown = read(api, f"query($id: ID!) {{ batch(id: $id) {{ batchId: id {COUNTS} position }} }}",
                     id=answers[name]["batchId"])["batch"]
        same(answers[name], shown)
    [rule] = read(api, f"{{ automationRules {{ {RULE} position }} }}")["automationRules"]
    same(answers["rule"], {**rule, "position": None})  # its row moved on since: the rule's verdict was counted
    decided = answers["auto"]["verdicts"][0]
    assert decided["outcome"] == "DECIDED"
    assert read(api, "query($id: ID!) { decision(id: $id) { automation } }", id=decided["decisionId"])["decision"] == {
        "automation": "FULLY"}
    [bulk] = answers["autos"]["results"][0]["verdicts"]
    assert read(api, "query($id: ID!) { decision(id: $id) { automation } }", id=bulk["decisionId"])["decision"] == {
        "automation": "FULLY"}
    assert answers["unprotected"]["protected"] is False

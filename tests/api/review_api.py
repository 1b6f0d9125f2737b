"""GraphQL documents and helpers for the review API tests: reports, queues, routing and claims."""

from __future__ import annotations

from typing import Any

from tests.api.ledger_api import settle, subject
from tests.support import Api

FAILURES = """
... on ValidationError { message field } ... on NotFoundError { message } ... on ConflictError { message }
"""
REPORT_FIELDS = """
id caseId subject { domain kind id } policy reporterId reporterKind text status outcome decisionId told position
"""
SUBMIT_REPORT = f"""
mutation($i: SubmitReportInput!) {{ submitReport(input: $i) {{
  __typename ... on Report {{ {REPORT_FIELDS} }} {FAILURES} }} }}
"""
CREATE_QUEUE = f"""
mutation($i: QueueInput!) {{ createQueue(input: $i) {{
  __typename ... on Queue {{ name domain description position }} {FAILURES} }} }}
"""
UPDATE_QUEUE = f"""
mutation($i: QueueInput!) {{ updateQueue(input: $i) {{
  __typename ... on Queue {{ name domain description position }} {FAILURES} }} }}
"""
SET_ROUTING = f"""
mutation($i: SetRoutingRulesInput!) {{ setRoutingRules(input: $i) {{
  __typename ... on RoutingTable {{ defaultQueue position rules {{ queue reporterKinds }} }} {FAILURES} }} }}
"""
CLAIM_NEXT = f"""
mutation($q: String!, $lease: Int) {{ claimNext(queue: $q, leaseSeconds: $lease) {{
  __typename
  ... on ClaimedCase {{ position claim {{ caseId subject {{ id }} queue policy holder expiresAt live }}
                       entry {{ subject {{ id }} policy reports queue }} }}
  {FAILURES} }} }}
"""
CASE_UPDATE = f"""__typename ... on CaseUpdate {{ caseId position subject {{ id }} }} {FAILURES}"""
RELEASE = f"mutation($s: SubjectInput!) {{ releaseClaim(subject: $s) {{ {CASE_UPDATE} }} }}"
SKIP = f"mutation($s: SubjectInput!) {{ skipCase(subject: $s) {{ {CASE_UPDATE} }} }}"
RENEW = f"""
mutation($s: SubjectInput!, $lease: Int) {{ renewClaim(subject: $s, leaseSeconds: $lease) {{
  __typename ... on Claim {{ holder expiresAt position }} {FAILURES} }} }}
"""
ESCALATE = f"mutation($i: EscalateCaseInput!) {{ escalateCase(input: $i) {{ {CASE_UPDATE} }} }}"
NOTE = f"mutation($i: AddCaseNoteInput!) {{ addCaseNote(input: $i) {{ {CASE_UPDATE} }} }}"
PRIORITY = f"mutation($i: SetCasePriorityInput!) {{ setCasePriority(input: $i) {{ {CASE_UPDATE} }} }}"
DISMISS = f"""
mutation($i: DismissCaseInput!) {{ dismissCase(input: $i) {{
  __typename ... on Decision {{ id outcome position }} {FAILURES} }} }}
"""
QUEUE_ENTRIES = """
query($q: String!, $p: String) { queueEntries(queue: $q, minPosition: $p) {
  subject { id } policy reports detections queue priority severity } }
"""
CASE_REVIEW = f"""
query($s: SubjectInput!, $p: String) {{ case(subject: $s, minPosition: $p) {{
  status
  reports {{ {REPORT_FIELDS} }}
  notes {{ kind note queue priority actor }}
  claim {{ holder queue live }}
  waiting {{ policy queue reports }}
  decisions {{ id outcome }}
  history {{ type actor summary }} }} }}
"""


def submit_report(api: Api, key: str, reporter: str = "user-1", kind: str = "USER", token: str | None = None,
                  **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "subject": subject(), "accountId": "acct-1", "reporter": {"id": reporter, "kind": kind}, "policy": "spam",
        "text": "This pin links to a known scam site.", "idempotencyKey": key,
    }
    return dict(api.post(SUBMIT_REPORT, {"i": {**values, **overrides}}, token)["data"]["submitReport"])


def create_queue(api: Api, name: str, domain: str = "trust_safety", description: str = "Everyday review") -> Any:
    return api.data(CREATE_QUEUE, {"i": {"name": name, "domain": domain, "description": description}})["createQueue"]


def set_routing(api: Api, rules: list[dict[str, Any]], default_queue: str) -> Any:
    return api.data(SET_ROUTING, {"i": {"rules": rules, "defaultQueue": default_queue}})["setRoutingRules"]


def claim_next(api: Api, queue: str, token: str | None = None, lease: int | None = None) -> Any:
    """claimNext once the read models it picks candidates from hold every write so far (it does not wait)."""
    settle(api)
    return api.data(CLAIM_NEXT, {"q": queue, "lease": lease}, token)["claimNext"]


def queue_entries(api: Api, queue: str, position: str | None = None) -> list[dict[str, Any]]:
    return list(api.data(QUEUE_ENTRIES, {"q": queue, "p": position})["queueEntries"])


def case_review(api: Api, item: str = "pin-1", position: str | None = None) -> Any:
    return api.data(CASE_REVIEW, {"s": subject(item), "p": position})["case"]


def standard_queues(api: Api) -> str:
    """A general queue for trust & safety and a priority queue for trusted flaggers and authorities."""
    create_queue(api, "ts_general")
    create_queue(api, "ts_priority", description="Notices from trusted flaggers and authorities")
    rules = [{"queue": "ts_priority", "reporterKinds": ["TRUSTED_FLAGGER", "AUTHORITY"]},
             {"queue": "ts_general", "domains": ["trust_safety"]}]
    return str(set_routing(api, rules, "ts_general")["position"])


WARN = """
mutation($i: WarnReporterInput!) { warnReporter(input: $i) {
  __typename ... on Reporter { warnings lastWarning position } ... on ConflictError { message }
  ... on ValidationError { message field } } }
"""

SUSPEND = """
mutation($i: SuspendReporterInput!) { suspendReporter(input: $i) {
  __typename ... on Reporter { suspended suspendedUntil suspensionReason position } ... on ConflictError { message }
  ... on ValidationError { message field } } }
"""

"""The GraphQL documents the console runs: the same operations an API client would send."""

from __future__ import annotations

PROBLEM = (
    "__typename ... on ValidationError { message field } ... on NotFoundError { message } "
    "... on ConflictError { message }"
)

HOME = """
query Home($at: String) { queues(minPosition: $at) { name domain description }
  queueFigures(minPosition: $at) { name backlog oldestWaitingSeconds } }
"""

PENDING_APPEALS = """
query PendingAppeals($at: String) { appeals(first: 100, minPosition: $at) { edges { node {
  id decisionId subject { domain kind id } accountId policy statement filedAt filedBy windowEndsAt
} } } }
"""

APPEAL_COUNT = "query AppealCount { appeals(first: 100) { edges { node { id } } } }"

QUEUE = """
query Queue($name: String!, $first: Int!, $at: String) {
  queue(name: $name, minPosition: $at) { name domain description }
  queueEntries(queue: $name, first: $first) {
    caseId subject { domain kind id } accountId policy severity maxConfidence detections reports
    oldestDetectedAt enqueuedAt priority escalated
  }
}
"""

SETTLE = "query Settle($at: String) { queues(minPosition: $at) { name } }"
"""Waits until the read models hold a write: claimNext picks from them and does not wait itself."""

CLAIM_NEXT = f"""
mutation ClaimNext($queue: String!) {{ claimNext(queue: $queue) {{ {PROBLEM}
  ... on ClaimedCase {{ position claim {{ subject {{ domain kind id }} expiresAt }} }} }} }}
"""

CASE = """
query Case($subject: SubjectInput!, $at: String) {
  case(subject: $subject, minPosition: $at) {
    id subject { domain kind id } accountId status openedAt
    detections { id policy policyVersion source externalId confidence model contentType
                 content { uri hash version } automated detectedAt evidence }
    decisions { id policy policyVersion outcome actions { type territories endsAt } rationale live
                decidedAt decidedBy reversedAt reversalReason strike { points } supersededBy }
    reports { id policy reporterId reporterKind text status submittedAt content { uri } }
    notes { kind policy note queue actor occurredAt }
    claim { holder queue policy claimedAt expiresAt live }
    waiting { policy queue severity maxConfidence escalated }
    appeals { id decisionId policy statement status filedAt resolvedAt resolvedBy rationale }
    history { position type occurredAt actor summary }
  }
  queues { name domain }
}
"""

POLICIES = """
query Policies($domain: String!) {
  policies(domain: $domain) { key version title text severity strikePoints allowedActions dsaCategory dsaGround
               zeroTolerance }
}
"""

ACCOUNT = """
query Account($id: String!, $asOf: DateTime, $at: String) {
  account(id: $id, asOf: $asOf, minPosition: $at) {
    id firstSeenAt
    standing { level strikePoints activeStrikes explanation }
    standings { domain level strikePoints activeStrikes explanation }
    strikes { id domain policy points decisionId issuedAt expiresAt removedAt removalReason }
    penalties { id domain kind level features startsAt endsAt liftedAt liftReason }
    appeals { id decisionId policy status filedAt resolvedAt }
  }
}
"""

STANDING_AT = """
query StandingAt($id: String!, $asOf: DateTime) {
  account(id: $id, asOf: $asOf) { standing { level strikePoints } }
}
"""

ACCOUNT_TRAIL = """
query AccountTrail($id: String!) {
  auditTrail(accountId: $id, first: 200) { edges { node {
    position type occurredAt actor domain subject { domain kind id } summary
  } } }
}
"""

DECISION_FIELDS = """{ id policy outcome actions { type territories } rationale decidedAt decidedBy live
  strike { points } }"""

FIGURES = """
query Figures($window: Float!) {
  queueFigures(windowHours: $window) { name backlog oldestWaitingSeconds inboundPerHour decidedPerHour
                                       medianHandlingSeconds p90HandlingSeconds claimExpiries }
  reviewerFigures(windowHours: $window) { name backlog decidedPerHour medianHandlingSeconds
                                          p90HandlingSeconds claimExpiries }
}
"""

EVENTS = """
query Events($after: String, $filter: EventFilter) {
  events(after: $after, first: 50, filter: $filter) {
    edges { cursor node { position type occurredAt actor domain subject { domain kind id } accountId chainHash } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

DECISION_EVENTS = """
query DecisionEvents($from: DateTime!) {
  events(first: 500, filter: {from: $from, eventTypes: ["Case.Decided"]}) {
    edges { node { occurredAt data } }
  }
}
"""

INTEGRITY = """
query Integrity { ledgerIntegrity { chainPosition signatureValid
  latestCheckpoint { position chainHash signedAt keyId } } health { head } }
"""

AUTOMATION = """
query Automation { automationRules { id domain policy model threshold mode modeReason modeChangedAt modeChangedBy
  policyVersion qaSampleRate precisionFloor
  launchCriteria { minSamples minPrecision minRecall minKappa }
  evaluation { policyVersion samples precision recall kappa }
  shadowAgreement { policyVersion samples precision recall kappa }
  quality { qaSampled qaJudged qaDisagreed rollingPrecision windowJudged breaker tripReason }
  figures { verdicts violations failures queued decided } } }
"""

DECIDE = f"""mutation Decide($input: DecideInput!) {{ decide(input: $input) {{ {PROBLEM}
  ... on Decision {{ id position }} }} }}"""
DISMISS = f"""mutation Dismiss($input: DismissCaseInput!) {{ dismissCase(input: $input) {{ {PROBLEM}
  ... on Decision {{ id position }} }} }}"""
ESCALATE = f"""mutation Escalate($input: EscalateCaseInput!) {{ escalateCase(input: $input) {{ {PROBLEM}
  ... on CaseUpdate {{ caseId position }} }} }}"""
NOTE = f"""mutation Note($input: AddCaseNoteInput!) {{ addCaseNote(input: $input) {{ {PROBLEM}
  ... on CaseUpdate {{ caseId position }} }} }}"""
SKIP = f"""mutation Skip($subject: SubjectInput!) {{ skipCase(subject: $subject) {{ {PROBLEM}
  ... on CaseUpdate {{ caseId position }} }} }}"""
RELEASE = f"""mutation Release($subject: SubjectInput!) {{ releaseClaim(subject: $subject) {{ {PROBLEM}
  ... on CaseUpdate {{ caseId position }} }} }}"""
RENEW = f"""mutation Renew($subject: SubjectInput!) {{ renewClaim(subject: $subject) {{ {PROBLEM}
  ... on Claim {{ expiresAt }} }} }}"""
RESOLVE_APPEAL = f"""mutation ResolveAppeal($input: ResolveAppealInput!) {{ resolveAppeal(input: $input) {{ {PROBLEM}
  ... on Appeal {{ id status position }} }} }}"""
REVERSE = f"""mutation Reverse($input: ReverseDecisionInput!) {{ reverseDecision(input: $input) {{ {PROBLEM}
  ... on Decision {{ id position }} }} }}"""

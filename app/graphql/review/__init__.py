"""Human review through GraphQL: the review queue and queues (reviewQueue, queues, queueEntries, createQueue,
updateQueue, setRoutingRules), claims (claimNext, renewClaim, releaseClaim, skipCase), case work (escalateCase,
addCaseNote, setCasePriority, cases), reports and reporters (submitReport, reporter, warnReporter, suspendReporter) and
the operations figures. May import `core` only."""

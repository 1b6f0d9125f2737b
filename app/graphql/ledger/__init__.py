"""The ledger's records through GraphQL: policies (publishPolicy), detections (recordDetection, recordDetections),
decisions (decide, dismissCase, reverseDecision), appeals (fileAppeal, resolveAppeal), and the accounts and cases that
show them (account, case, decision, appeal, appeals, policies). A case's reviewer side comes from `review`, its
history from `audit`; may import those and `core`."""

"""The ledger as auditors read it: events in order (events, the ledgerEvents subscription), audit trails (auditTrail),
the read models' health and the hash chain's integrity (health, ledgerIntegrity). May import `core` only."""

"""The audit trail: every ledger event with the domain, account and subject it touches, in ledger order."""

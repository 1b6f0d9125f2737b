"""Read models: each package turns ledger events into rows of Docket's own tables."""

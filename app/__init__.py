"""Docket's outside world: the ledger application, storage, GraphQL, auth and the CLI."""

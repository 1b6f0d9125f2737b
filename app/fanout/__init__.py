"""Fanout: every ledger event in one envelope (CloudEvents 1.0) for every consumer, and `docket relay`, which
publishes them to NATS JetStream. May import `app.runtime` and everything below it; `app.graphql` builds its
`LedgerEvent` from the same envelope, and `app.cli` runs the relay."""

"""Fanout: every ledger event in one envelope (CloudEvents 1.0) for every consumer; `docket relay`, which publishes
them to NATS JetStream; and signed webhooks (`webhooks`, sent by `docket deliver`). May import `app.runtime` and
everything below it; `app.graphql` builds its `LedgerEvent` from the same envelope and sets webhooks up, and `app.cli`
runs the relay and the deliverer."""

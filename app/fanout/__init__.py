"""Fanout: every ledger event in one envelope (CloudEvents 1.0), the same for every consumer. May import `app.runtime`
and everything below it; `app.graphql` builds its `LedgerEvent` from the same envelope."""

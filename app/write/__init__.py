"""The write side: the ledger application and its commands, which load aggregates, ask the domain and save the events
in one transaction; the starter catalog it seeds. May import `domain` and `app.config`, never a read model
(`projections`) or the read side: a stopped projector can delay reads, never writes."""

"""The read side: the read-model store and its migrations, the projector that feeds the read models in order,
notifications that wake waiting readers, and the rebuild of read models from zero. May import `projections`,
`domain`, `app.config` and the ledger application of `app.write` (to read the stored events), nothing above."""

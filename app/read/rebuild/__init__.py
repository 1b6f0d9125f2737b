"""`docket rebuild`: read models rebuilt from zero beside the live ones, then swapped in at once.

In parts: `plan` (what is rebuilt, the limits), `build` (the build file, in one process or two), `shadow` and
`postgres` (publishing on PostgreSQL), `sqlite` (publishing on SQLite), and `run` (the course of a rebuild).

1. Build. Every event of the ledger, in order, goes through the chosen projections' own code
   (`app.read.projector.feed`, the function the projector runs: there is one code path per read
   model) into a private SQLite file that has every migration applied, in batched transactions
   (`batch` events each, written with their position). SQLite runs in this process, so the
   projections' statements cost no round trip to a server: that is what makes a rebuild fast,
   on PostgreSQL too. Memory stays bounded: one batch of events and SQLite's page cache.
   On a long ledger with two CPUs the read models are split in two groups of about equal work
   (`Projection.weight`): one is built here, the other at the same time in a spawned process
   into a file of its own, which tells this one how far it is (the bar shows the slower).
2. Publish, on PostgreSQL. A fresh shadow schema (made before the build, so that a view that
   would block the swap is found at once) gets tables that replicate the live ones (columns,
   defaults, constraints, indexes and grants, read from the catalog). Each build process fills
   its own tables of it with COPY from its file, and indexes them after the copy; the shadow then
   catches up with what the ledger recorded meanwhile. Then, in one transaction holding the read
   models' projection locks, the last events are applied to the shadow, the live tables move to
   a side schema and the shadow's move in (`ALTER TABLE ... SET SCHEMA`), and the positions are set.
   Publish, on SQLite. The other process's rows join the build file, which catches up; then in
   one transaction holding SQLite's write lock, the last events go into the build file, and each
   live table is dropped, recreated from its own DDL, filled from the build file, and its indexes
   recreated.

Until that one transaction commits, the old read model is untouched and keeps serving. A
rebuild killed at any point leaves it so; what a killed rebuild leaves behind (the build file,
the shadow and side schemas) the next rebuild removes. One rebuild runs at a time per database.

A projection reads and writes only its own `tables` while it is rebuilt; anything else it writes
(e.g. signed checkpoints) lands in the build file and is dropped. A projection that owns no
tables (the ledger chain) has nothing to rebuild.
"""

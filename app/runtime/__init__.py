"""One Docket process: the wiring of the write and read sides over one database, the projection worker, the database
watchdog, the read models' lag, and the work that needs both sides (claiming the next case of a queue, finishing
stalled batches). May import every package below it (`app.write`, `app.read`, `app.integrity`, `app.config`), never
`app.graphql`, `app.http` or `app.cli`."""

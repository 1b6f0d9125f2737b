"""Docket's outside world, in packages by role, each importing only those listed below it:

- `cli`: the `docket` command.
- `http`: the ASGI app (/graphql, health, /metrics).
- `graphql`: the GraphQL schema, by feature, with a small shared core.
- `runtime`: one process's wiring of both sides, the projection worker, and work that needs both sides.
- `integrity`: tamper evidence (checkpoint keys, `verify`).
- `read`: the read-model store, the projector, notifications, rebuild.
- `write`: the ledger application and its commands.
- `auth`: principals and their tokens.
- `config`: settings, the database URL, the strike ladders.

import-linter (pyproject.toml) holds these layers.
"""

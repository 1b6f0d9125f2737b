"""The `docket` command and its subcommands: serve, migrate, project, relay, rebuild, verify, sql, demo and tokens.
The top layer: it may import any other package of `app`, and nothing imports it."""

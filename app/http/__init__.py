"""The HTTP face: the ASGI app that serves /graphql, health checks and /metrics. May import `app.graphql`,
`app.runtime` and everything below them, never `app.cli`."""

"""What every GraphQL feature shares: the request context, typed errors and their codes, the access table and domain
scopes, input types, argument checks, how queries read (positions, pages, consistency), the shared output types, and
the GraphQL-over-HTTP transport. Imports nothing else of `app.graphql`."""

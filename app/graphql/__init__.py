"""The GraphQL API: types, one module per mutation, the queries, and the schema."""

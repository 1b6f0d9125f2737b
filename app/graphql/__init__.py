"""The GraphQL API, by feature: `ledger`, `review`, `batches` and `audit`, each holding its types, its queries and one
module per mutation, over a small shared `core`; `schema` puts them together. import-linter holds the layers."""

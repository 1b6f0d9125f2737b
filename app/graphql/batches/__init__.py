"""Bulk decisions through GraphQL: bulkDecide, reverseBatch and the batch query. May import `core` only."""

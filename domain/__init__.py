"""The pure enforcement domain: aggregates, their events, and policy arithmetic."""

"""Statements of reasons: one per restrictive decision, as the DSA Transparency Database takes them, and the
validator of every rule of its contract."""

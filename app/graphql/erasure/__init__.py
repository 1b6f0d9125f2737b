"""Erasure of an account's personal data, and the legal holds that keep it."""

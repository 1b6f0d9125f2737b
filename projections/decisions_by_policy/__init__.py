"""Decisions by domain and policy: how many per UTC day, outcome and automation, and how many were undone."""

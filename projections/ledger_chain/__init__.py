"""Tamper evidence: a hash chain over the stored events, with signed checkpoints."""

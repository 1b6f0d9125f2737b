"""Rows of the ledger chain: one per chained event, and the signed checkpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ChainRow:
    position: int
    state_hash: str
    event_hash: str
    chain_hash: str


@dataclass(frozen=True)
class CheckpointRow:
    position: int
    chain_hash: str
    signed_at: datetime
    key_id: str
    """The fingerprint of the key that signed it (hashing.key_id)."""
    signature: str

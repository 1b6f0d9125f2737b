"""ledgerIntegrity: how far the ledger chain has reached, and its latest checkpoint with its signature checked."""

from __future__ import annotations

from dataclasses import dataclass

from app.config.checkpoint_key import checkpoint_key
from app.read.store import reading
from app.runtime.wiring import Runtime
from projections.ledger_chain import hashing
from projections.ledger_chain.queries import chain_head, latest_checkpoint
from projections.ledger_chain.rows import CheckpointRow


@dataclass(frozen=True)
class Integrity:
    chain_position: int
    latest_checkpoint: CheckpointRow | None
    signature_valid: bool | None
    """Whether the latest checkpoint's signature validates with this server's key; None without a key."""


def integrity(runtime: Runtime) -> Integrity:
    """The chain's position and its latest checkpoint, with its signature checked: two indexed reads."""
    with reading(runtime.store, chain_head, latest_checkpoint) as sql:
        top = chain_head(sql)
        mark = latest_checkpoint(sql)
    valid = None
    key = checkpoint_key(runtime.settings)
    if mark is not None and key is not None:
        valid = hashing.signature_valid(key, mark.position, mark.chain_hash, mark.signed_at, mark.signature)
    return Integrity(0 if top is None else top.position, mark, valid)

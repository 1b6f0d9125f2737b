"""Chains every stored event, as stored, and signs a checkpoint every `every` positions, and at the head of a quiet
ledger once the newest checkpoint is `interval` old."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from projections.base import Projection
from projections.batch import Batch
from projections.ledger_chain import hashing
from projections.ledger_chain.queries import (
    chain_head,
    checkpoint_at,
    latest_checkpoint,
)
from projections.ledger_chain.rows import CheckpointRow
from projections.sql import Sql

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 1000
"""A checkpoint is signed at the first chained position at or after each multiple of this."""
CHECKPOINT_INTERVAL = timedelta(minutes=5)
"""When the chain has caught up with the ledger, its head is signed if the newest checkpoint is older than this (or
there is none): on a quiet ledger, events wait at most about this long for a signature."""

_CHAIN_COLUMNS = ("position", "state_hash", "event_hash", "chain_hash")
_CHECKPOINT = """
INSERT INTO ledger_checkpoints (position, chain_hash, signed_at, key_id, signature) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (position) DO NOTHING
"""


class LedgerChainProjection(Projection):
    """Sees every stored event undecoded (`raw`), in position order, inside the projector's transaction.

    `key` gives the checkpoint key, or None when there is none: then the chain is kept and no
    checkpoint is signed. `clock` tells the signing time.
    """

    name = "ledger_chain"
    weight = 11
    tables = ()
    """None: a rebuild from zero replays past the chained positions and never recomputes them, so it
    cannot launder a tampered store into a fresh chain."""
    event_types = ()
    raw = True

    def __init__(
        self, key: Callable[[], bytes | None] = lambda: None, every: int = CHECKPOINT_EVERY,
        interval: timedelta = CHECKPOINT_INTERVAL, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.key = key
        self.every = every
        self.interval = interval
        self.clock = clock
        self._warned = False

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        head = chain_head(sql)
        previous_position, previous_hash = (0, hashing.GENESIS) if head is None else (head.position, head.chain_hash)
        # Positions already chained are skipped: the chain is append-only.
        rows = hashing.chained(previous_hash, [(p, e) for p, e in events if p > previous_position])
        marks = []
        for position, _, _, chain_sha in rows:
            if previous_position // self.every != position // self.every:
                marks.append((position, chain_sha))
            previous_position = position
        if rows:
            sql.insert_rows("ledger_chain", _CHAIN_COLUMNS, rows)
        for position, chain_sha in marks:
            self._sign(sql, position, chain_sha)

    def at_rest(self, sql: Sql) -> None:
        """Signs the head of the chain when it is past the newest checkpoint and that one is `interval` old (or there
        is none)."""
        head = chain_head(sql)
        if head is None:
            return
        newest = latest_checkpoint(sql)
        if newest is None or (newest.position < head.position and self.clock() - newest.signed_at >= self.interval):
            self._sign(sql, head.position, head.chain_hash)

    def checkpoint_head(self, sql: Sql) -> CheckpointRow | None:
        """Signs a checkpoint at the head of the chain, unless there is one; None if nothing is chained or no key."""
        head = chain_head(sql)
        if head is None:
            return None
        self._sign(sql, head.position, head.chain_hash)
        return checkpoint_at(sql, head.position)

    def _sign(self, sql: Sql, position: int, chain_sha: str) -> None:
        key = self.key()
        if key is None:
            if not self._warned:
                log.warning("no checkpoint key (DOCKET_CHECKPOINT_KEY): the ledger chain is kept but not signed")
                self._warned = True
            return
        signed_at = self.clock()
        signature = hashing.sign(key, position, chain_sha, signed_at)
        sql.execute(_CHECKPOINT, (position, chain_sha, signed_at, hashing.key_id(key), signature))

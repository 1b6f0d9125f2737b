"""Reads of the ledger chain and its checkpoints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.ledger_chain.rows import ChainRow, CheckpointRow
from projections.sql import Sql, at_positions
from projections.values import utc

_CHECKPOINT_COLUMNS = "position, chain_hash, signed_at, key_id, signature"


def chain_head(sql: Sql) -> ChainRow | None:
    """The newest chained event; None before the first."""
    sql.execute(
        "SELECT position, state_hash, event_hash, chain_hash FROM ledger_chain ORDER BY position DESC LIMIT 1"
    )
    row = sql.fetchone()
    return None if row is None else ChainRow(*row)


def chain_rows(sql: Sql, after: int | None, upto: int, limit: int) -> list[ChainRow]:
    """Chained events in position order, after `after` (None: from the first) and up to `upto`."""
    if after is None:
        sql.execute(
            "SELECT position, state_hash, event_hash, chain_hash FROM ledger_chain "
            "WHERE position <= ? ORDER BY position LIMIT ?",
            (upto, limit),
        )
    else:
        sql.execute(
            "SELECT position, state_hash, event_hash, chain_hash FROM ledger_chain "
            "WHERE position > ? AND position <= ? ORDER BY position LIMIT ?",
            (after, upto, limit),
        )
    return [ChainRow(*r) for r in sql.fetchall()]


def chain_hashes_at(sql: Sql, wanted: Sequence[int]) -> dict[int, str]:
    """The chain hash at each of the given ascending positions that the chain holds (others nearby may come too)."""
    if not wanted:
        return {}
    condition, params = at_positions(wanted)
    sql.execute(f"SELECT position, chain_hash FROM ledger_chain WHERE {condition}", params)
    return {int(position): chain_hash for position, chain_hash in sql.fetchall()}


def chained_state(sql: Sql, state_hash: str, other_than: int, upto: int) -> int | None:
    """The first position other than `other_than` whose chained state has this hash (a full scan)."""
    sql.execute(
        "SELECT position FROM ledger_chain WHERE state_hash = ? AND position <> ? AND position <= ? "
        "ORDER BY position LIMIT 1",
        (state_hash, other_than, upto),
    )
    row = sql.fetchone()
    return None if row is None else int(row[0])


def checkpoints(sql: Sql, after: int | None, upto: int, limit: int) -> list[CheckpointRow]:
    """Checkpoints in position order, after `after` (None: from the first) and up to `upto`."""
    if after is None:
        sql.execute(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM ledger_checkpoints WHERE position <= ? ORDER BY position LIMIT ?",
            (upto, limit),
        )
    else:
        sql.execute(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM ledger_checkpoints WHERE position > ? AND position <= ? "
            "ORDER BY position LIMIT ?",
            (after, upto, limit),
        )
    return [_checkpoint(r) for r in sql.fetchall()]


def latest_checkpoint(sql: Sql) -> CheckpointRow | None:
    sql.execute(f"SELECT {_CHECKPOINT_COLUMNS} FROM ledger_checkpoints ORDER BY position DESC LIMIT 1")
    row = sql.fetchone()
    return None if row is None else _checkpoint(row)


def checkpoint_at(sql: Sql, position: int) -> CheckpointRow | None:
    sql.execute(f"SELECT {_CHECKPOINT_COLUMNS} FROM ledger_checkpoints WHERE position = ?", (position,))
    row = sql.fetchone()
    return None if row is None else _checkpoint(row)


def has_checkpoints(sql: Sql) -> bool:
    sql.execute("SELECT 1 FROM ledger_checkpoints LIMIT 1")
    return sql.fetchone() is not None


def _checkpoint(r: tuple[Any, ...]) -> CheckpointRow:
    return CheckpointRow(position=int(r[0]), chain_hash=r[1], signed_at=utc(r[2]), key_id=r[3], signature=r[4])

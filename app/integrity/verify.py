"""Tamper evidence for auditors: the checkpoint key, `docket verify`, and the signed head.

The ledger chain (projections/ledger_chain) hashes every stored event as it was stored, and
signs a checkpoint of the chain every so often with a key the database does not hold. `verify`
reads the whole store in order, in batches, recomputes every hash and compares it with the
chain and the checkpoints, and names the first position that does not match and how.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.config.checkpoint_key import NoCheckpointKey
from app.read.projector import Projector
from app.read.store import ReadStore
from app.write.ledger import Ledger
from projections.ledger_chain import hashing
from projections.ledger_chain.projection import LedgerChainProjection
from projections.ledger_chain.queries import (
    chain_head,
    chain_rows,
    chained_state,
    checkpoints,
    latest_checkpoint,
)
from projections.ledger_chain.rows import ChainRow, CheckpointRow

BATCH = 1000

# What `verify` can find, at the first position where it finds it.
MODIFIED = "modified"
"""The stored event differs from the one chained at its position."""
DELETED = "deleted"
"""The chain (or a signed checkpoint) has a position the store no longer has."""
INSERTED = "inserted"
"""The store has an event at a position the chain never saw, below the chain's head."""
REORDERED = "reordered"
"""The position holds an event's content that was chained at another position."""
CHAIN_BROKEN = "chain-broken"
"""A chain row does not follow from the one before it: chain rows were altered or removed."""
REWRITTEN = "rewritten"
"""The events and the chain agree but not with a signed checkpoint: both were rewritten."""
BAD_SIGNATURE = "bad-signature"
"""A checkpoint's signature does not validate with the key: forged, or verified with another key."""
MISSING_CHECKPOINT = "missing-checkpoint"
"""A checkpoint the auditor expects (`--expect`) is gone or different: the chain was cut back."""


@dataclass(frozen=True)
class Finding:
    position: int
    kind: str
    detail: str


@dataclass(frozen=True)
class Report:
    head: int
    """The ledger's head when verification began."""
    chain_position: int
    """The newest position the chain had when verification began."""
    events_verified: int
    not_yet_chained: int
    """Events after the chain's position: stored since, not yet chained (not tampering)."""
    checkpoints_verified: int
    latest_checkpoint: CheckpointRow | None
    """The newest checkpoint verified: signature valid and chain hash recomputed from the events."""
    events_signed: int
    """The events verified up to the newest verified checkpoint: vouched for by its signature too."""
    finding: Finding | None
    """The first mismatch; None when nothing checked disagrees (`signatures_unchecked` says what was not)."""
    key_id: str | None

    @property
    def clean(self) -> bool:
        return self.finding is None

    @property
    def signatures_unchecked(self) -> str | None:
        """Why no checkpoint's signature was checked, so the chain alone vouches for the events; None if one was."""
        if self.checkpoints_verified:
            return None
        if self.key_id is None:
            return "no checkpoint key (set DOCKET_CHECKPOINT_KEY)"
        return "no checkpoints (none signed yet, or all deleted; `docket verify --checkpoint` signs one)"


def verify(
    ledger: Ledger, store: ReadStore, key: bytes | None, expect: tuple[int, str] | None = None, batch: int = BATCH
) -> Report:
    """Recomputes the chain from the stored events and checks it against the chain rows and checkpoints.

    Memory stays bounded: events, chain rows and checkpoints are each read `batch` at a time.
    `expect` is a checkpoint (position, chain hash) the auditor recorded before; it must still
    be there. Raises NoCheckpointKey when there are checkpoints (or one is expected) and no key.
    """
    with store.transaction(write=False) as sql:
        # In this order: a checkpoint commits with its chain row, and a chain row after its event.
        newest = latest_checkpoint(sql)
        top = chain_head(sql)
    head = ledger.head()
    if key is None and (newest is not None or expect is not None):
        raise NoCheckpointKey("checkpoints cannot be checked without their key; set DOCKET_CHECKPOINT_KEY")
    chain_top = 0 if top is None else top.position
    marks_top = max(chain_top, 0 if newest is None else newest.position)
    walk = _Walk(ledger, store, key, chain_top, marks_top, head, batch, expect)
    finding = walk.run()
    if finding is None and expect is not None and not walk.expect_met:
        position, expected_hash = expect
        finding = Finding(
            position, MISSING_CHECKPOINT,
            f"the checkpoint you expect at position {position} (chain hash {expected_hash}) is not among the "
            "verified checkpoints: the chain and its checkpoints were cut back or replaced",
        )
    return Report(
        head=head, chain_position=chain_top, events_verified=walk.verified, not_yet_chained=walk.unchained,
        checkpoints_verified=walk.checkpoints_verified, latest_checkpoint=walk.latest, events_signed=walk.signed,
        finding=finding, key_id=None if key is None else hashing.key_id(key),
    )


class _Walk:
    """One pass over the store, the chain and the checkpoints, all in position order."""

    def __init__(self, ledger: Ledger, store: ReadStore, key: bytes | None, chain_top: int, marks_top: int,
                 head: int, batch: int, expect: tuple[int, str] | None) -> None:
        self.ledger = ledger
        self.store = store
        self.key = key
        self.chain_top = chain_top
        self.marks_top = marks_top
        self.head = head
        self.batch = batch
        self.verified = 0
        self.unchained = 0
        self.checkpoints_verified = 0
        self.signed = 0
        self.latest: CheckpointRow | None = None
        self.expect = expect
        self.expect_met = False

    def run(self) -> Finding | None:
        events = self._events()
        chain = self._chain()
        marks = self._checkpoints()
        event, row, mark = next(events, None), next(chain, None), next(marks, None)
        previous = hashing.GENESIS
        while event is not None or row is not None:
            if row is None:
                assert event is not None
                if event.id <= self.chain_top:
                    return self._inserted(event)
                if mark is not None and mark.position <= event.id:
                    return self._orphan(mark)
                self.unchained += 1
                event = next(events, None)
                continue
            if event is None or row.position < event.id:
                return Finding(
                    row.position, DELETED,
                    f"the chain has position {row.position}, the store has no event there",
                )
            if event.id < row.position:
                return self._inserted(event)
            state_sha = hashing.state_hash(event.state)
            event_sha = hashing.event_hash(
                event.id, event.originator_id, event.originator_version, event.topic, state_sha
            )
            if event_sha != row.event_hash:
                return self._changed(event, row, state_sha)
            chain_sha = hashing.chain_hash(previous, event_sha)
            if chain_sha != row.chain_hash:
                return Finding(
                    row.position, CHAIN_BROKEN,
                    f"the chain row at {row.position} does not follow from the events before it: "
                    "chain rows were altered, or an event was deleted together with its chain row",
                )
            if mark is not None and mark.position < row.position:
                return self._orphan(mark)
            if mark is not None and mark.position == row.position:
                problem = self._check(mark, chain_sha)
                if problem is not None:
                    return problem
                mark = next(marks, None)
            previous = chain_sha
            self.verified += 1
            event, row = next(events, None), next(chain, None)
        if mark is not None:
            return self._orphan(mark)
        return None

    def _check(self, mark: CheckpointRow, chain_sha: str) -> Finding | None:
        assert self.key is not None  # verify() refuses checkpoints without a key
        if not hashing.signature_valid(self.key, mark.position, mark.chain_hash, mark.signed_at, mark.signature):
            ours = hashing.key_id(self.key)
            why = "forged" if mark.key_id == ours else f"signed by key {mark.key_id}, not the key given ({ours})"
            return Finding(mark.position, BAD_SIGNATURE, f"the checkpoint at {mark.position} does not validate: {why}")
        if mark.chain_hash != chain_sha:
            since = "the start" if self.latest is None else f"the checkpoint at {self.latest.position}"
            return Finding(
                mark.position, REWRITTEN,
                f"the events and chain rows agree, but not with the checkpoint signed at {mark.position}: "
                f"events between {since} and {mark.position} were rewritten together with their chain rows",
            )
        self.checkpoints_verified += 1
        self.signed = self.verified + 1  # with the event at the checkpoint's position, verified just after
        self.latest = mark
        if self.expect is not None and self.expect == (mark.position, mark.chain_hash):
            self.expect_met = True
        return None

    def _orphan(self, mark: CheckpointRow) -> Finding:
        assert self.key is not None
        if not hashing.signature_valid(self.key, mark.position, mark.chain_hash, mark.signed_at, mark.signature):
            return Finding(mark.position, BAD_SIGNATURE,
                           f"the checkpoint at {mark.position} does not validate, and covers a position "
                           "the chain does not have")
        return Finding(
            mark.position, DELETED,
            f"a signed checkpoint covers position {mark.position}, which the chain no longer has: "
            "events and chain rows up to it were deleted",
        )

    def _inserted(self, event: Any) -> Finding:
        return Finding(
            event.id, INSERTED,
            f"the store has an event at {event.id} ({_describe(event)}), a position the chain never saw",
        )

    def _changed(self, event: Any, row: ChainRow, state_sha: str) -> Finding:
        position = event.id
        if state_sha == row.state_hash:
            return Finding(position, MODIFIED,
                           f"the event at {position} ({_describe(event)}) has another aggregate, version or topic "
                           "than the one chained there")
        with self.store.transaction(write=False) as sql:
            elsewhere = chained_state(sql, state_sha, position, self.chain_top)
        if elsewhere is not None:
            return Finding(position, REORDERED,
                           f"position {position} holds the event content chained at position {elsewhere}")
        return Finding(position, MODIFIED,
                       f"the event at {position} ({_describe(event)}) is not the one chained there")

    def _events(self) -> Iterator[Any]:
        start: int | None = None  # from the very first row, even one below position 1
        while True:
            found = self.ledger.recorder.select_notifications(start=start, limit=self.batch, stop=self.head)
            yield from found
            if len(found) < self.batch:
                return
            start = found[-1].id + 1

    def _chain(self) -> Iterator[ChainRow]:
        after: int | None = None
        while True:
            with self.store.transaction(write=False) as sql:
                found = chain_rows(sql, after, self.chain_top, self.batch)
            yield from found
            if len(found) < self.batch:
                return
            after = found[-1].position

    def _checkpoints(self) -> Iterator[CheckpointRow]:
        after: int | None = None
        while True:
            with self.store.transaction(write=False) as sql:
                found = checkpoints(sql, after, self.marks_top, self.batch)
            yield from found
            if len(found) < self.batch:
                return
            after = found[-1].position


def _describe(event: Any) -> str:
    return f"{event.topic.rsplit(':', 1)[-1]} of {event.originator_id} v{event.originator_version}"


def chain_projection(projections: list[Any]) -> LedgerChainProjection:
    return next(p for p in projections if isinstance(p, LedgerChainProjection))


def sign_head(projector: Projector, store: ReadStore) -> CheckpointRow | None:
    """Chains every event stored so far and signs a checkpoint at the chain's head."""
    chain = chain_projection(projector.projections)
    while projector.step(chain):
        pass
    with store.transaction(locks=[f"projection:{chain.name}"]) as sql:
        return chain.checkpoint_head(sql)

"""The chain's arithmetic: what is hashed, in which encoding, and how a checkpoint is signed.

For the stored event at ledger position n (its bytes exactly as stored, never re-encoded):

    state_hash_n = SHA-256(state_n)
    event_hash_n = SHA-256("docket-event/v1" || n || originator_id || originator_version || topic || state_hash_n)
    chain_hash_n = SHA-256(chain_hash_prev || event_hash_n)        chain_hash before the first event: 32 zero bytes

n and the version are 8-byte big-endian signed integers; the originator id (its canonical text,
e.g. a UUID with dashes) and the topic are UTF-8, each preceded by its 4-byte big-endian length.
A checkpoint signs "docket-checkpoint/v1", its position, chain hash and signing time with
HMAC-SHA256. Hashes and signatures are lowercase hex.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from projections.values import uuid_text

GENESIS = "0" * 64
"""The chain hash before the first event."""

_EVENT_TAG = b"docket-event/v1"
_CHECKPOINT_TAG = b"docket-checkpoint/v1"


_COUNTS = struct.Struct(">qI")
"""A position or a version, then the length of the text after it."""


def state_hash(state: object) -> str:
    """The hash of a stored state: bytes as they are (text, which only a tamperer stores there, as UTF-8)."""
    return _state_digest(state).hex()


def event_hash(position: int, originator_id: UUID | str, originator_version: int, topic: str, state_sha256: str) -> str:
    """The hash of one stored event at its position; `state_sha256` is its `state_hash`."""
    return _event_digest(position, originator_id, originator_version, topic, bytes.fromhex(state_sha256)).hex()


def chain_hash(previous: str, event_sha256: str) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(event_sha256)).hexdigest()


def chained(previous: str, events: Iterable[tuple[int, Any]]) -> list[tuple[int, str, str, str]]:
    """Each stored event's (its `originator_id`, `originator_version`, `topic` and `state`) position, state hash, event
    hash and chain hash, the chain going on from `previous`: what `state_hash`, `event_hash` and `chain_hash` give event
    by event, with each hash kept as bytes until it is stored."""
    link = bytes.fromhex(previous)
    rows = []
    for position, stored in events:
        state = _state_digest(stored.state)
        event = _event_digest(position, stored.originator_id, stored.originator_version, stored.topic, state)
        link = hashlib.sha256(link + event).digest()
        rows.append((position, state.hex(), event.hex(), link.hex()))
    return rows


def _state_digest(state: object) -> bytes:
    if isinstance(state, (bytes, bytearray, memoryview)):
        return hashlib.sha256(state).digest()
    return hashlib.sha256(str(state).encode("utf-8", "surrogatepass")).digest()


def _event_digest(position: int, originator_id: UUID | str, version: int, topic: str, state: bytes) -> bytes:
    # A UUID's text through the read models' cache: they name the same events' streams.
    originator = (uuid_text(originator_id) if type(originator_id) is UUID else str(originator_id)).encode("utf-8")
    named = topic.encode("utf-8")
    return hashlib.sha256(b"".join((
        _EVENT_TAG, _COUNTS.pack(position, len(originator)), originator, _COUNTS.pack(version, len(named)), named,
        state,
    ))).digest()


def signing_time(moment: datetime) -> str:
    """The signing time as it is signed: UTC, microseconds, fixed width."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def key_id(key: bytes) -> str:
    """A short public fingerprint of a checkpoint key, to tell keys apart without revealing them."""
    return hashlib.sha256(b"docket-checkpoint-key/v1" + key).hexdigest()[:16]


def sign(key: bytes, position: int, chain_sha256: str, signed_at: datetime) -> str:
    message = b"\n".join(
        [_CHECKPOINT_TAG, str(position).encode(), chain_sha256.encode(), signing_time(signed_at).encode()]
    )
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signature_valid(key: bytes, position: int, chain_sha256: str, signed_at: datetime, signature: str) -> bool:
    return hmac.compare_digest(sign(key, position, chain_sha256, signed_at), signature)

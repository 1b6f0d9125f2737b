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
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

GENESIS = "0" * 64
"""The chain hash before the first event."""

_EVENT_TAG = b"docket-event/v1"
_CHECKPOINT_TAG = b"docket-checkpoint/v1"


def _text(value: str) -> bytes:
    encoded = value.encode("utf-8")
    return struct.pack(">I", len(encoded)) + encoded


def state_hash(state: object) -> str:
    """The hash of a stored state: bytes as they are (text, which only a tamperer stores there, as UTF-8)."""
    if isinstance(state, (bytes, bytearray, memoryview)):
        return hashlib.sha256(state).hexdigest()
    return hashlib.sha256(str(state).encode("utf-8", "surrogatepass")).hexdigest()


def event_hash(position: int, originator_id: UUID | str, originator_version: int, topic: str, state_sha256: str) -> str:
    """The hash of one stored event at its position; `state_sha256` is its `state_hash`."""
    return hashlib.sha256(
        _EVENT_TAG
        + struct.pack(">q", position)
        + _text(str(originator_id))
        + struct.pack(">q", originator_version)
        + _text(topic)
        + bytes.fromhex(state_sha256)
    ).hexdigest()


def stored_hashes(position: int, stored: Any) -> tuple[str, str]:
    """The state hash and the event hash of a stored event (its `originator_id`, `originator_version`, `topic` and
    `state`) at its position."""
    state_sha = state_hash(stored.state)
    return state_sha, event_hash(position, stored.originator_id, stored.originator_version, stored.topic, state_sha)


def chain_hash(previous: str, event_sha256: str) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(event_sha256)).hexdigest()


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

"""Every ledger event as each consumer receives it: one CloudEvents 1.0 envelope, built here and nowhere else.

`id` is the event's id, `type` names its aggregate, event and version (`docket.case.decided.v1`), `time` is when it
occurred, `subject` the enforced subject it touches, `data` its facts; the Docket extension attributes carry its
ledger position, its domain and account, and the ledger chain's hash at its position.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property
from hashlib import sha1
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Notification

from app.fanout.event_json import NOT_DATA, Unseal, stored_fields
from domain.base import NAMESPACE
from domain.values import Subject
from projections.audit_trail.rows import subject_of

DATA_CONTENT_TYPE = "application/json"
DATA_VERSION = 1
"""The version in every event type. Fields added to an event's data keep it (consumers ignore what they do not know);
a field removed, renamed or changed in meaning would raise it for that event type."""
POSITION = "docketposition"
DOMAIN = "docketdomain"
ACCOUNT = "docketaccount"
CHAIN_HASH = "docketchainhash"
"""The Docket extension attributes. The position is a string, as everywhere in Docket: CloudEvents integers are 32-bit,
and a busy ledger passes 2^31 events within weeks."""

SPEC_VERSION = "1.0"
_WORD = re.compile(r"(?<!^)(?=[A-Z])")
_NAMESPACE = NAMESPACE.bytes


def event_id(originator_id: UUID | str, version: int) -> str:
    """The event's id, derived from its aggregate and version: the same in every envelope, through every channel.

    `str(uuid5(NAMESPACE, f"event/{originator_id}/{version}"))`, computed without the uuid module's objects, which cost
    the relay more than the hash."""
    digest = bytearray(sha1(_NAMESPACE + f"event/{originator_id}/{version}".encode()).digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x50  # version 5
    digest[8] = digest[8] & 0x3F | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _snake(name: str) -> str:
    """`StrikeIssued` as `strike_issued`."""
    return _WORD.sub("_", name).lower()


@cache
def aggregate_and_name(event_type: str) -> tuple[str, str]:
    """(`case`, `decided`) for `Case.Decided`: the last two tokens of its NATS subject."""
    aggregate, _, name = event_type.rpartition(".")
    return _snake(aggregate), _snake(name)


@cache
def cloud_event_type(event_type: str) -> str:
    """`docket.case.decided.v1` for `Case.Decided`."""
    aggregate, name = aggregate_and_name(event_type)
    return f"docket.{aggregate}.{name}.v{DATA_VERSION}"


@dataclass(frozen=True)
class Envelope:
    """One stored event with what the ledger's read side knows of it: what it touches and the chain at its position.

    It is made from the event as stored, never decoded into the domain's objects (`event_json.stored_fields`)."""

    stored: Notification
    source: str
    domain: str | None
    account_id: str | None
    subject_key: str | None
    """The key of the subject it touches (`domain/kind/id`), as the event index keeps it."""
    chain_hash: str
    unseal: Unseal
    """Opens the event's personal data: as written while its account's key lives, ERASED after."""

    @property
    def subject(self) -> Subject | None:
        return None if self.subject_key is None else subject_of(self.subject_key)

    @property
    def position(self) -> int:
        return self.stored.id

    @cached_property
    def id(self) -> str:
        return event_id(self.stored.originator_id, self.stored.originator_version)

    @property
    def topic(self) -> str:
        return self.stored.topic

    @property
    def event_type(self) -> str:
        """The aggregate and event, as the ledger's readers name it: `Case.Decided`."""
        return self.stored.topic.rpartition(":")[2]

    @property
    def type(self) -> str:
        return cloud_event_type(self.event_type)

    @cached_property
    def data(self) -> dict[str, Any]:
        """The event's facts, as plain JSON values: its `actor` and `occurred_at`, then those of its type."""
        stored = stored_fields(self.stored.state, self.unseal)
        for name in NOT_DATA.intersection(stored):
            del stored[name]
        return stored

    @property
    def occurred_at(self) -> datetime:
        return datetime.fromisoformat(self.data["occurred_at"])

    def to_json(self) -> bytes:
        """The envelope in the CloudEvents JSON format (structured mode), written directly rather than through the
        cloudevents library's CloudEvent (which validates what is built right here, then encodes with `json`): the
        relay writes one for every event."""
        data = self.data
        document: dict[str, Any] = {
            "specversion": SPEC_VERSION, "id": self.id, "source": self.source, "type": self.type,
            "time": _rfc3339(data["occurred_at"]), "datacontenttype": DATA_CONTENT_TYPE,
            POSITION: str(self.stored.id), CHAIN_HASH: self.chain_hash,
        }
        if self.subject_key is not None:
            document["subject"] = self.subject_key
        if self.domain is not None:
            document[DOMAIN] = self.domain
        if self.account_id is not None:
            document[ACCOUNT] = self.account_id
        document["data"] = data
        try:
            return orjson.dumps(document)
        except orjson.JSONEncodeError:  # integers past 64 bits, which evidence may hold: `json` writes them
            return json.dumps(document, separators=(",", ":")).encode()


def _rfc3339(written: str) -> str:
    """A time as stored (ISO 8601) as CloudEvents writes it: UTC as `Z`."""
    return written.removesuffix("+00:00") + "Z" if written.endswith("+00:00") else written

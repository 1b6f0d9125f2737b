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
from typing import Any
from uuid import uuid5

import orjson

from app.fanout.event_json import event_data, event_fields
from app.write.ledger import StoredEvent
from domain.base import NAMESPACE, DocketAggregate
from domain.values import Subject

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


def event_id(event: DocketAggregate.Event) -> str:
    """The event's id, derived from its aggregate and version: the same in every envelope, through every channel."""
    return str(uuid5(NAMESPACE, f"event/{event.originator_id}/{event.originator_version}"))


def _snake(name: str) -> str:
    """`StrikeIssued` as `strike_issued`."""
    return _WORD.sub("_", name).lower()


@cache
def aggregate_and_name(event_class: type) -> tuple[str, str]:
    """(`case`, `decided`) for `Case.Decided`: the last two tokens of its NATS subject."""
    aggregate, _, name = event_class.__qualname__.rpartition(".")
    return _snake(aggregate), _snake(name)


@cache
def cloud_event_type(event_class: type) -> str:
    """`docket.case.decided.v1`."""
    aggregate, name = aggregate_and_name(event_class)
    return f"docket.{aggregate}.{name}.v{DATA_VERSION}"


@dataclass(frozen=True)
class Envelope:
    """One stored event with what the ledger's read side knows of it: what it touches and the chain at its position."""

    stored: StoredEvent
    source: str
    domain: str | None
    account_id: str | None
    subject: Subject | None
    chain_hash: str

    @property
    def position(self) -> int:
        return self.stored.position

    @property
    def event(self) -> DocketAggregate.Event:
        return self.stored.event

    @cached_property
    def id(self) -> str:
        return event_id(self.event)

    @property
    def event_type(self) -> str:
        """The aggregate and event, as the ledger's readers name it: `Case.Decided`."""
        return type(self.event).__qualname__

    @property
    def type(self) -> str:
        return cloud_event_type(type(self.event))

    @property
    def data(self) -> dict[str, Any]:
        return event_data(self.event)

    def to_json(self) -> bytes:
        """The envelope in the CloudEvents JSON format (structured mode), written directly rather than through the
        cloudevents library's CloudEvent (which validates what is built right here, then encodes with `json`): the
        relay writes one for every event."""
        attributes: dict[str, Any] = {
            "specversion": SPEC_VERSION, "id": self.id, "source": self.source, "type": self.type,
            "time": _rfc3339(self.event.occurred_at), "datacontenttype": DATA_CONTENT_TYPE,
            POSITION: str(self.position), CHAIN_HASH: self.chain_hash,
        }
        if self.subject is not None:
            attributes["subject"] = self.subject.key
        if self.domain is not None:
            attributes[DOMAIN] = self.domain
        if self.account_id is not None:
            attributes[ACCOUNT] = self.account_id
        try:  # orjson writes enums, UUIDs, times and dataclasses as `plain` does, without a Python call per value
            return orjson.dumps({**attributes, "data": event_fields(self.event)}, default=str)
        except orjson.JSONEncodeError:  # integers past 64 bits, which evidence may hold: `json` writes them
            return json.dumps({**attributes, "data": self.data}, separators=(",", ":")).encode()


def _rfc3339(moment: datetime) -> str:
    """A time as CloudEvents writes it: ISO 8601, UTC as `Z`."""
    written = moment.isoformat()
    return written.removesuffix("+00:00") + "Z" if written.endswith("+00:00") else written

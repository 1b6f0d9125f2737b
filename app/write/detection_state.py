"""The stored state of the two events a new detection makes (its Detection.Recorded, and its subject's
SubjectIndex.Started on the subject's first), written straight from the event as the ledger's mapper writes any event;
and a detection read straight back, as the mapper reads any event.

A bulk write stores a thousand of each a call, and the mapper's way costs each one a copy of the event's attributes,
of the event and its facts for sealing, and the transcoder's walk through the nested value types, a call and a
look-up each. Here each event's known shape is written in one pass: the same objects, keys and order as the
transcoder makes (each leaf still through the transcoder's own encoding, the sealed fields through `SealedAsObject`),
and so the same bytes.

A catch-up or a rebuild decodes mostly detections, and the transcoder's walk goes through each of their objects to find
the eight or so typed ones. Read here, a detection's typed objects are taken where its shape puts them, each decoded by
the transcoder's own decoding for its type: so the same event, when they are all the typed objects its state holds (it
holds no other `"_type_"`); any other state is left to the mapper.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from typing import Any, cast

import orjson
from eventsourcing.persistence import StoredEvent, find_id_convertor
from eventsourcing.utils import get_topic

from app.write import exact_json
from app.write.sealing import Sealed, SealedAsObject, StateReader, StateWriter
from app.write.transcodings import LedgerTranscoder, NotPlain
from domain.detection import Detection, DetectionFacts
from domain.indexes import SubjectIndex
from domain.personal_data import PersonalField
from domain.values import Content, Subject

_SEALABLE = frozenset({("facts", "evidence"), ("facts", "model_content")})
"""Where a detection may hold personal data (`domain.personal_data`)."""


def _fields(event_class: type) -> tuple[str, ...]:
    """The event's attributes, as it has them when made; its class must be at its first version, as the mapper
    stores any other's version with its state."""
    if getattr(event_class, "class_version", 1) != 1:
        raise TypeError(f"{event_class.__qualname__} is past its first version: write its state as the mapper does")
    return tuple(f.name for f in dataclasses.fields(event_class))


_RECORDED = _fields(Detection.Recorded)
_STARTED = _fields(SubjectIndex.Started)
_RECORDED_STORED = tuple(name for name in _RECORDED if name not in ("originator_id", "originator_version"))
"""A detection's stored state's keys: its identity is stored beside it."""
_TYPED = b'"_type_"'
"""A typed object's key, as the ledger's JSON writes it (never escaping ASCII); in a text value, its quotes would be."""


class DetectionStates:
    """Writes the stored state of a new detection's events; any other shape of them is left to the mapper."""

    def __init__(self, transcoder: LedgerTranscoder, sealed: SealedAsObject) -> None:
        self._plain = transcoder.plain
        self._sealed = sealed
        self._names = {cls: transcoder.types[cls].name for cls in (DetectionFacts, Subject, Content, Sealed)}
        self._decoders = transcoder.decoders

    @property
    def writers(self) -> dict[type, StateWriter]:
        """The mapper's writers, by event class."""
        return {Detection.Recorded: self.recorded, SubjectIndex.Started: self.started}

    @property
    def readers(self) -> dict[str, StateReader]:
        """The mapper's readers, by topic."""
        return {get_topic(Detection.Recorded): self.read_recorded}

    def recorded(self, event: Detection.Recorded, personal: list[PersonalField]) -> bytes | None:
        """The event's stored state with its `personal` fields sealed; None where the mapper must write it (another
        shape of event or facts, or a value the transcoder leaves to the library)."""
        facts = event.facts
        sealed = {field.path: field.account_id for field in personal}
        if tuple(vars(event)) != _RECORDED or type(facts) is not DetectionFacts or not sealed.keys() <= _SEALABLE:
            return None
        plain, content = self._plain, facts.content
        return self._dumped(lambda: {
            **self._created(event),
            "facts": {"_type_": self._names[DetectionFacts], "_data_": {
                "subject": self._subject(facts.subject),
                "account_id": plain(facts.account_id),
                "policy_key": plain(facts.policy_key),
                "source": plain(facts.source),
                "external_id": plain(facts.external_id),
                "confidence": plain(facts.confidence),
                "model": plain(facts.model),
                "content_type": plain(facts.content_type),
                "content": {"_type_": self._names[Content], "_data_": {
                    "uri": plain(content.uri), "hash": plain(content.hash), "version": plain(content.version),
                }} if type(content) is Content else plain(content),
                "evidence": self._field(facts.evidence, sealed.get(("facts", "evidence"))),
                "detected_at": plain(facts.detected_at),
                "for_review": plain(facts.for_review),
                "model_content": self._field(facts.model_content, sealed.get(("facts", "model_content"))),
            }},
            "policy_version": plain(event.policy_version),
            "automated": plain(event.automated),
            "dsa_source_type": plain(event.dsa_source_type),
        })

    def started(self, event: SubjectIndex.Started, personal: list[PersonalField]) -> bytes | None:
        """The event's stored state (it holds no personal data); None where the mapper must write it."""
        if tuple(vars(event)) != _STARTED or personal:
            return None
        plain = self._plain
        return self._dumped(lambda: {
            **self._created(event),
            "subject": self._subject(event.subject),
            "account_id": plain(event.account_id),
            "policy_key": plain(event.policy_key),
            "case_version": plain(event.case_version),
        })

    def _created(self, event: Any) -> dict[str, Any]:
        """The fields every event that starts an aggregate begins with."""
        plain = self._plain
        return {
            "timestamp": plain(event.timestamp),
            "originator_topic": plain(event.originator_topic),
            "actor": plain(event.actor),
            "occurred_at": plain(event.occurred_at),
        }

    def _subject(self, subject: Any) -> Any:
        if type(subject) is not Subject:
            return self._plain(subject)
        plain = self._plain
        return {"_type_": self._names[Subject], "_data_": {
            "domain": plain(subject.domain), "kind": plain(subject.kind), "id": plain(subject.id),
        }}

    def _field(self, value: Any, account_id: str | None) -> Any:
        """A field as stored: sealed with the account's key, if it is personal data, else in clear."""
        if account_id is None:
            return self._plain(value)
        return {"_type_": self._names[Sealed], "_data_": self._sealed.encode(Sealed(value, account_id))}

    @staticmethod
    def _dumped(state: Any) -> bytes | None:
        """The JSON of the state `state` makes; None where the transcoder leaves a value of it to the library."""
        try:
            return orjson.dumps(state())
        except (NotPlain, orjson.JSONEncodeError):
            return None

    def read_recorded(self, stored: StoredEvent) -> Detection.Recorded | None:
        """The detection `stored` holds; None where the mapper must read it (another shape of state)."""
        state = stored.state
        try:
            event_state = exact_json.loads(state)  # as the transcoder parses it
            if type(event_state) is not dict or tuple(event_state) != _RECORDED_STORED:
                return None
            found = self._decode_recorded(event_state)
        except Exception:  # noqa: BLE001 (the mapper reads it, or fails as it does)
            return None
        if found != state.count(_TYPED):
            return None  # a typed object elsewhere, which the transcoder's walk would decode
        id_type = cast(Hashable, type(stored.originator_id))
        event_state["originator_id"] = find_id_convertor(Detection.Recorded, id_type)(stored.originator_id)
        event_state["originator_version"] = stored.originator_version
        event = object.__new__(Detection.Recorded)
        object.__setattr__(event, "__dict__", event_state)
        return event

    def _decode_recorded(self, state: dict[str, Any]) -> int:
        """Decodes in place the typed objects where a detection's stored state has them (its facts' first, as the
        walk does), each by its type's decoding; how many there were."""
        decoded = self._decoded
        facts = state["facts"]
        data = facts["_data_"]
        data["subject"] = decoded(data["subject"])
        data["detected_at"] = decoded(data["detected_at"])
        found = 5
        for name in ("content", "evidence", "model_content"):  # each may be a plain value
            value = data[name]
            if type(value) is dict and len(value) == 2 and "_type_" in value and "_data_" in value:
                data[name] = decoded(value)
                found += 1
        state["timestamp"] = decoded(state["timestamp"])
        state["occurred_at"] = decoded(state["occurred_at"])
        state["facts"] = decoded(facts)
        return found

    def _decoded(self, value: dict[str, Any]) -> Any:
        """`value`, a stored object of a type, its data revived already, as the transcoder decodes it."""
        if len(value) != 2:
            raise ValueError("not a stored object of a type")
        return self._decoders[value["_type_"]](value["_data_"])

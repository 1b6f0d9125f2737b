"""The stored state of the two events a new detection makes (its Detection.Recorded, and its subject's
SubjectIndex.Started on the subject's first), written straight from the event as the ledger's mapper writes any event;
and a detection read straight back, as the mapper reads any event.

A bulk write stores a thousand of each a call, and the mapper's way costs each one a copy of the event's attributes,
of the event and its facts for sealing, and the transcoder's walk through the nested value types, a call and a
look-up each. Here each event's known shape is written in one pass: the same objects, keys and order as the
transcoder makes (each leaf as the transcoder encodes it, the text, numbers and flags that it writes as they are
checked all at once; the sealed fields through `SealedAsObject`), and so the same bytes.

A catch-up or a rebuild decodes mostly detections, and the transcoder's walk goes through each of their objects to find
the eight or so typed ones. Read here, a detection's typed objects are taken where its shape puts them, each decoded by
the transcoder's own decoding for its type: so the same event, when they are all the typed objects its state holds (it
holds no other `"_type_"`); any other state is left to the mapper.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from operator import attrgetter
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
from domain.values import Content, ContentType, DetectionSource, Subject

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
_RECORDED_ATOMS = ("originator_topic", "actor", "policy_version", "automated", "dsa_source_type")
_FACTS_ATOMS = ("account_id", "policy_key", "source", "external_id", "model", "content_type", "for_review")
_STARTED_ATOMS = ("originator_topic", "actor", "account_id", "policy_key", "case_version")
"""The fields of each whose values are text, numbers, flags or members."""
_TYPED = b'"_type_"'
"""A typed object's key, as the ledger's JSON writes it (never escaping ASCII); in a text value, its quotes would be."""


class DetectionStates:
    """Writes the stored state of a new detection's events; any other shape of them is left to the mapper."""

    def __init__(self, transcoder: LedgerTranscoder, sealed: SealedAsObject) -> None:
        self._plain = transcoder.plain
        self._sealed = sealed
        self._names = {cls: transcoder.types[cls].name for cls in (DetectionFacts, Subject, Content, Sealed)}
        self._decoders = transcoder.decoders
        # The types of the fields below that orjson writes as the library's JSON does: a field's values are written
        # as they are when all their types are these (one pass in C), not each through `plain` (a call each).
        self._as_is = frozenset(
            kind for kind in (str, int, bool, type(None), DetectionSource, ContentType) if transcoder.as_is(kind)
        )
        self._recorded_atoms = attrgetter(*_RECORDED_ATOMS)
        self._facts_atoms = attrgetter(*_FACTS_ATOMS)
        self._started_atoms = attrgetter(*_STARTED_ATOMS)
        self._subject_atoms = attrgetter("domain", "kind", "id")
        self._content_atoms = attrgetter("uri", "hash", "version")

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
        sealed = {field.path: field.account_id for field in personal}
        if tuple(vars(event)) != _RECORDED or type(event.facts) is not DetectionFacts or not sealed.keys() <= _SEALABLE:
            return None
        return self._dumped(self._recorded_state, event, sealed)

    def _recorded_state(self, event: Detection.Recorded, sealed: dict[tuple[str, str], str]) -> dict[str, Any]:
        plain, facts = self._plain, event.facts
        topic, actor, policy_version, automated, dsa_source_type = self._atoms(self._recorded_atoms(event))
        account_id, policy_key, source, external_id, model, content_type, for_review = self._atoms(
            self._facts_atoms(facts)
        )
        content = facts.content
        return {
            "timestamp": plain(event.timestamp),
            "originator_topic": topic,
            "actor": actor,
            "occurred_at": plain(event.occurred_at),
            "facts": {"_type_": self._names[DetectionFacts], "_data_": {
                "subject": self._subject(facts.subject),
                "account_id": account_id,
                "policy_key": policy_key,
                "source": source,
                "external_id": external_id,
                "confidence": plain(facts.confidence),
                "model": model,
                "content_type": content_type,
                "content": self._content(content) if type(content) is Content else plain(content),
                "evidence": self._field(facts.evidence, sealed.get(("facts", "evidence"))),
                "detected_at": plain(facts.detected_at),
                "for_review": for_review,
                "model_content": self._field(facts.model_content, sealed.get(("facts", "model_content"))),
            }},
            "policy_version": policy_version,
            "automated": automated,
            "dsa_source_type": dsa_source_type,
        }

    def started(self, event: SubjectIndex.Started, personal: list[PersonalField]) -> bytes | None:
        """The event's stored state (it holds no personal data); None where the mapper must write it."""
        if tuple(vars(event)) != _STARTED or personal:
            return None
        return self._dumped(self._started_state, event)

    def _started_state(self, event: SubjectIndex.Started) -> dict[str, Any]:
        plain = self._plain
        topic, actor, account_id, policy_key, case_version = self._atoms(self._started_atoms(event))
        return {
            "timestamp": plain(event.timestamp),
            "originator_topic": topic,
            "actor": actor,
            "occurred_at": plain(event.occurred_at),
            "subject": self._subject(event.subject),
            "account_id": account_id,
            "policy_key": policy_key,
            "case_version": case_version,
        }

    def _atoms(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """`values` as stored: themselves, when orjson writes them all as they are."""
        return values if self._as_is.issuperset(map(type, values)) else tuple(map(self._plain, values))

    def _subject(self, subject: Any) -> Any:
        if type(subject) is not Subject:
            return self._plain(subject)
        domain, kind, id_ = self._atoms(self._subject_atoms(subject))
        return {"_type_": self._names[Subject], "_data_": {"domain": domain, "kind": kind, "id": id_}}

    def _content(self, content: Content) -> dict[str, Any]:
        uri, hash_, version = self._atoms(self._content_atoms(content))
        return {"_type_": self._names[Content], "_data_": {"uri": uri, "hash": hash_, "version": version}}

    def _field(self, value: Any, account_id: str | None) -> Any:
        """A field as stored: sealed with the account's key, if it is personal data, else in clear."""
        if account_id is None:
            return self._plain(value)
        return {"_type_": self._names[Sealed], "_data_": self._sealed.encode(Sealed(value, account_id))}

    @staticmethod
    def _dumped(state: Callable[..., dict[str, Any]], *event: Any) -> bytes | None:
        """The JSON of the state `state` makes of `event`; None where the transcoder leaves a value of it to the
        library."""
        try:
            return orjson.dumps(state(*event))
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

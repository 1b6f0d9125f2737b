"""The stored state of the two events a new detection makes (its Detection.Recorded, and its subject's
SubjectIndex.Started on the subject's first), written straight from the event as the ledger's mapper writes any event.

A bulk write stores a thousand of each a call, and the mapper's way costs each one a copy of the event's attributes,
of the event and its facts for sealing, and the transcoder's walk through the nested value types, a call and a
look-up each. Here each event's known shape is written in one pass: the same objects, keys and order as the
transcoder makes (each leaf still through the transcoder's own encoding, the sealed fields through `SealedAsObject`),
and so the same bytes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from app.write.sealing import Sealed, SealedAsObject, StateWriter
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


class DetectionStates:
    """Writes the stored state of a new detection's events; any other shape of them is left to the mapper."""

    def __init__(self, transcoder: LedgerTranscoder, sealed: SealedAsObject) -> None:
        self._plain = transcoder.plain
        self._sealed = sealed
        self._names = {cls: transcoder.types[cls].name for cls in (DetectionFacts, Subject, Content, Sealed)}

    @property
    def writers(self) -> dict[type, StateWriter]:
        """The mapper's writers, by event class."""
        return {Detection.Recorded: self.recorded, SubjectIndex.Started: self.started}

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

"""A Detection.Recorded's stored state written straight from the event, as the ledger's mapper writes any event.

A bulk write stores a thousand a call, and the mapper's way costs each one a copy of the event and of its facts for
sealing, a copy of the event's attributes, and the transcoder's walk through four nested value types, a call and a
look-up each. Here the event's known shape is written in one pass: the same objects, keys and order as the
transcoder makes (each leaf still through the transcoder's own encoding, the sealed fields through `SealedAsObject`),
and so the same bytes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from app.write.sealing import Sealed, SealedAsObject
from app.write.transcodings import LedgerTranscoder, NotPlain
from domain.detection import Detection, DetectionFacts
from domain.personal_data import PersonalField
from domain.values import Content, Subject

_EVENT_FIELDS = tuple(f.name for f in dataclasses.fields(Detection.Recorded))
_SEALABLE = frozenset({("facts", "evidence"), ("facts", "model_content")})
"""Where the event may hold personal data (`domain.personal_data`)."""


class DetectionStates:
    """Writes Detection.Recorded's stored state; anything not of its usual shape is left to the mapper."""

    def __init__(self, transcoder: LedgerTranscoder, sealed: SealedAsObject) -> None:
        self._plain = transcoder.plain
        self._sealed = sealed
        self._names = {cls: transcoder.types[cls].name for cls in (DetectionFacts, Subject, Content, Sealed)}

    def state(self, event: Detection.Recorded, personal: list[PersonalField]) -> bytes | None:
        """The event's stored state with its `personal` fields sealed; None where the mapper must write it (another
        shape of event or facts, or a value the transcoder leaves to the library)."""
        facts = event.facts
        sealed = {field.path: field.account_id for field in personal}
        if tuple(vars(event)) != _EVENT_FIELDS or type(facts) is not DetectionFacts or not sealed.keys() <= _SEALABLE:
            return None
        plain, names = self._plain, self._names
        subject, content = facts.subject, facts.content
        try:
            state = {
                "timestamp": plain(event.timestamp),
                "originator_topic": plain(event.originator_topic),
                "actor": plain(event.actor),
                "occurred_at": plain(event.occurred_at),
                "facts": {"_type_": names[DetectionFacts], "_data_": {
                    "subject": {"_type_": names[Subject], "_data_": {
                        "domain": plain(subject.domain), "kind": plain(subject.kind), "id": plain(subject.id),
                    }} if type(subject) is Subject else plain(subject),
                    "account_id": plain(facts.account_id),
                    "policy_key": plain(facts.policy_key),
                    "source": plain(facts.source),
                    "external_id": plain(facts.external_id),
                    "confidence": plain(facts.confidence),
                    "model": plain(facts.model),
                    "content_type": plain(facts.content_type),
                    "content": {"_type_": names[Content], "_data_": {
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
            }
            return orjson.dumps(state)
        except (NotPlain, orjson.JSONEncodeError):
            return None

    def _field(self, value: Any, account_id: str | None) -> Any:
        """A field as stored: sealed with the account's key, if it is personal data, else in clear."""
        if account_id is None:
            return self._plain(value)
        return {"_type_": self._names[Sealed], "_data_": self._sealed.encode(Sealed(value, account_id))}

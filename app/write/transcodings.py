"""How the domain's value types are stored inside events, as JSON objects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from typing import Any
from uuid import UUID, SafeUUID

import orjson
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding, UUIDAsHex

from domain.automation import (
    AgreementFigures,
    Caps,
    EvaluationFigures,
    ItemVerdict,
    LaunchCriteria,
    ModelRoute,
    RuleSettings,
)
from domain.batch import BatchSubject, SubjectResult
from domain.case import Decision, Verdict
from domain.confirmation import ConfirmationRule
from domain.detection import DetectionFacts
from domain.dsa import DsaFacts
from domain.guidance import Criterion, PolicyExample, PolicyGuidance
from domain.notice_wording import NoticeTemplate
from domain.policy import PolicyTerms
from domain.prompt import ModelContent
from domain.routing import RoutingRule
from domain.standing import Penalty, Strike
from domain.values import Action, Content, Subject

VALUE_TYPES: tuple[type, ...] = (
    Subject, Content, Action, PolicyTerms, DetectionFacts, Decision, Strike, Penalty, Verdict, BatchSubject,
    SubjectResult, RoutingRule, PolicyGuidance, Criterion, PolicyExample, ModelRoute, LaunchCriteria, Caps,
    RuleSettings, EvaluationFigures, ItemVerdict, ConfirmationRule, DsaFacts, NoticeTemplate, AgreementFigures,
    ModelContent,
)


class DataclassAsDict(Transcoding):
    """A frozen dataclass as an object of its fields; decoding coerces but never re-validates."""

    def __init__(self, cls: type) -> None:
        self.type = cls
        self.name = cls.__name__
        self._names = tuple(f.name for f in fields(cls))
        # Decoded without its __init__ when the stored object has every field: __init__ sets them one by one
        # through object.__setattr__, a third of an event's decoding.
        self._whole = frozenset(self._names) if all(f.init for f in fields(cls)) and "__slots__" not in vars(cls) \
            else None

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._names}

    def decode(self, data: dict[str, Any]) -> Any:
        if data.keys() != self._whole:
            return self.type(**data)
        value: Any = object.__new__(self.type)
        value.__dict__.update(data)
        post_init = getattr(value, "__post_init__", None)
        if post_init is not None:
            post_init()
        return value


def register_value_types(transcoder: JSONTranscoder) -> None:
    for cls in VALUE_TYPES:
        transcoder.register(DataclassAsDict(cls))


def _uuid(data: str) -> UUID:
    """UUIDAsHex's decoding, without UUID's parsing of the forms it does not store."""
    if len(data) != 32:
        return UUID(data)
    value = object.__new__(UUID)
    object.__setattr__(value, "int", int(data, 16))
    object.__setattr__(value, "is_safe", SafeUUID.unknown)
    return value


class LedgerTranscoder(JSONTranscoder):
    """The library's JSON transcoding, decoding with orjson and one pass over what it parsed: the same values, in
    half the time an event (every read model's step and every aggregate loaded decodes stored events)."""

    def __init__(self) -> None:
        self._decoders: dict[str, Callable[[Any], Any]] = {}
        super().__init__()

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        decode: Callable[[Any], Any] = transcoding.decode
        if type(transcoding) is UUIDAsHex:
            decode = _uuid
        elif type(transcoding) is DatetimeAsISO:
            decode = datetime.fromisoformat
        self._decoders[transcoding.name] = decode

    def decode(self, data: bytes) -> Any:
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:  # what orjson refuses (NaN, integers past 64 bits) the library reads
            return super().decode(data)
        return self._revive(parsed)

    def _revive(self, value: Any) -> Any:
        """Turns the stored objects of custom types back into values, innermost first, as `json`'s object hook."""
        if type(value) is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                decode = self._decoders.get(value["_type_"])
                if decode is None:
                    return self._decode_obj(value)  # the library's error for a type it does not know
                data = value["_data_"]
                return decode(self._revive(data) if type(data) is dict or type(data) is list else data)
            for key, item in value.items():
                if type(item) is dict or type(item) is list:
                    value[key] = self._revive(item)
            return value
        for index, item in enumerate(value):
            if type(item) is dict or type(item) is list:
                value[index] = self._revive(item)
        return value

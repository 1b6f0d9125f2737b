"""How the domain's value types are stored inside events, as JSON objects."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding, UUIDAsHex

from app.write import exact_json
from domain.automation import (
    AgreementFigures,
    Caps,
    EvaluationFigures,
    ItemVerdict,
    LaunchCriteria,
    ModelRoute,
    RuleSettings,
)
from domain.base import uuid_of_int
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
        self.names = tuple(f.name for f in fields(cls))
        # Decoded without its __init__ when the stored object has every field: __init__ sets them one by one
        # through object.__setattr__, a third of an event's decoding.
        self._whole = frozenset(self.names) if all(f.init for f in fields(cls)) and "__slots__" not in vars(cls) \
            else None
        # Found once on the class, not looked up on each value and bound (~0.05-0.1 us of ~0.7 a Subject).
        self._post_init: Callable[[Any], None] | None = getattr(cls, "__post_init__", None)

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self.names}

    def decode(self, data: dict[str, Any]) -> Any:
        if data.keys() != self._whole:
            return self.type(**data)
        value: Any = object.__new__(self.type)
        value.__dict__.update(data)
        if self._post_init is not None:
            self._post_init(value)
        return value


def register_value_types(transcoder: JSONTranscoder) -> None:
    for cls in VALUE_TYPES:
        transcoder.register(DataclassAsDict(cls))


_DATETIMES_HELD = 256
"""Datetimes whose encoding is held (a bulk write's own reading recurs; each detection's time is met once)."""
_SMALLEST_PLAIN = 1e-4
"""orjson writes a float as `repr` does, but below this magnitude without the exponent's padding (1e-5, not 1e-05)."""


_JSON_BASES: dict[type, Callable[[Any], Any]] = {
    str: str.__str__, int: int.__int__, float: float.__float__, dict: dict, list: list, tuple: list
}


class NotPlain(Exception):
    """A value orjson would write otherwise than the library's `json` (or not at all): left to the library."""


def _float(value: float) -> Any:
    if not math.isfinite(value):
        raise NotPlain
    return value if value == 0.0 or abs(value) >= _SMALLEST_PLAIN else orjson.Fragment(float.__repr__(value).encode())


def _unknown(value: Any) -> Any:
    raise NotPlain  # the library's error for a type it does not know


def _uuid(data: str) -> UUID:
    """UUIDAsHex's decoding, without UUID's parsing of the forms it does not store."""
    return UUID(data) if len(data) != 32 else uuid_of_int(int(data, 16))


def _datetimes(name: str) -> Callable[[datetime], dict[str, str]]:
    """DatetimeAsISO's encoding, each datetime written once while held: a command stamps every event it makes with
    one clock reading, twice (`timestamp`, `occurred_at`), and `isoformat` of an aware datetime costs ~15 times a
    look-up. Held by identity, with the datetime itself, so that its id cannot name another meanwhile."""
    held: dict[int, tuple[datetime, dict[str, str]]] = {}

    def encode(value: datetime) -> dict[str, str]:
        found = held.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        if len(held) >= _DATETIMES_HELD:
            held.clear()
        plain = {"_type_": name, "_data_": value.isoformat()}
        held[id(value)] = (value, plain)
        return plain

    return encode


Encoder = Callable[[Any], Any] | None
"""What makes a value of one type plain JSON for orjson, as the library's `json` writes it; None: orjson writes it
so already."""


class _Encoders(dict[type, Encoder]):
    """Each type's encoder, made the first time a value of the type is met."""

    def __init__(self, make: Callable[[type], Encoder]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, kind: type) -> Encoder:
        made = self[kind] = self._make(kind)
        return made


class LedgerTranscoder(JSONTranscoder):
    """The library's JSON transcoding, with orjson and one typed pass over the value each way: the same values, in
    half the time an event (every read model's step and every aggregate loaded decodes stored events, and every
    write encodes them). Encoding writes the library's very bytes: each type's encoder is made once, and a value
    orjson would write otherwise (NaN, integers past 64 bits, keys not text) leaves the event to the library."""

    def __init__(self) -> None:
        self._decoders: dict[str, Callable[[Any], Any]] = {}
        self._encoders = _Encoders(self._encoder)
        super().__init__()

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._encoders.clear()
        decode: Callable[[Any], Any] = transcoding.decode
        if type(transcoding) is UUIDAsHex:
            decode = _uuid
        elif type(transcoding) is DatetimeAsISO:
            decode = datetime.fromisoformat
        self._decoders[transcoding.name] = decode

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self.plain(obj))
        except (NotPlain, orjson.JSONEncodeError):  # as the library, which writes them or fails
            return super().encode(obj)

    def plain(self, value: Any) -> Any:
        encode = self._encoders[type(value)]
        return value if encode is None else encode(value)

    def as_is(self, kind: type) -> bool:
        """Whether orjson writes a value of `kind` as the library's JSON does, with nothing made of it first."""
        return self._encoders[kind] is None

    def _encoder(self, kind: type) -> Encoder:
        """The encoder of `kind`'s values, in the order the library's encoder checks (its `default` is asked only
        about what JSON cannot hold)."""
        if kind is str or kind is int or kind is bool or kind is type(None):
            return None
        if issubclass(kind, Enum) and issubclass(kind, (str, int)):
            return None  # orjson writes the value, which JSON writes as the text or number it is
        if kind is float:
            return _float
        if kind is dict:
            return self._dict
        if kind is list or kind is tuple:
            return self._list
        base = next((b for b in _JSON_BASES if issubclass(kind, b)), None)
        if base is not None:  # JSON writes a subclass of its types as that type
            as_base = _JSON_BASES[base]
            return lambda value: self.plain(as_base(value))
        transcoding = self.types.get(kind)
        if transcoding is None:
            return _unknown
        name = transcoding.name
        if type(transcoding) is DataclassAsDict:
            return self._dataclass(transcoding)
        if type(transcoding) is DatetimeAsISO:
            return _datetimes(name)
        if type(transcoding) is UUIDAsHex:
            return lambda value: {"_type_": name, "_data_": value.hex}
        return lambda value: {"_type_": name, "_data_": self.plain(transcoding.encode(value))}

    def _dict(self, value: dict[Any, Any]) -> dict[Any, Any]:
        encoders = self._encoders
        return {
            key: item if (encode := encoders[type(item)]) is None else encode(item) for key, item in value.items()
        }

    def _list(self, value: list[Any] | tuple[Any, ...]) -> list[Any]:
        encoders = self._encoders
        return [item if (encode := encoders[type(item)]) is None else encode(item) for item in value]

    def _dataclass(self, transcoding: DataclassAsDict) -> Callable[[Any], dict[str, Any]]:
        """DataclassAsDict's encoding and the encoding of what it makes, in one pass over the fields."""
        name, names, encoders = transcoding.name, transcoding.names, self._encoders
        values = operator.attrgetter(*names) if len(names) > 1 else lambda obj: (getattr(obj, names[0]),)

        def encode(value: Any) -> dict[str, Any]:
            return {"_type_": name, "_data_": {
                key: item if (encode := encoders[type(item)]) is None else encode(item)
                for key, item in zip(names, values(value), strict=True)
            }}

        return encode

    def decode(self, data: bytes) -> Any:
        return self._revive(exact_json.loads(data))

    @property
    def decoders(self) -> Mapping[str, Callable[[Any], Any]]:
        """How a stored object of each type is read back from its data (revived already), by the type's name."""
        return self._decoders

    def _revive(self, value: Any) -> Any:
        """Turns the stored objects of custom types back into values, innermost first, as `json`'s object hook."""
        if type(value) is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                decode = self._decoders.get(value["_type_"])
                if decode is None:
                    return self._decode_obj(value)  # the library's error for a type it does not know
                data = value["_data_"]
                return decode(self._revive(data) if type(data) is dict or type(data) is list else data)
            items: Any = value.items()
        else:
            items = enumerate(value)
        # A typed object of a plain value (a time, an id: most of them) is decoded here, and an empty container left
        # as it is, each without a call of its own (~0.15 us, a dozen times a decision).
        decoders = self._decoders
        for key, item in items:
            if type(item) is dict:
                if len(item) == 2 and "_type_" in item and "_data_" in item:
                    data = item["_data_"]
                    decode = decoders.get(item["_type_"])
                    if decode is not None and type(data) is not dict and type(data) is not list:
                        value[key] = decode(data)
                        continue
                if item:
                    value[key] = self._revive(item)
            elif type(item) is list and item:
                value[key] = self._revive(item)
        return value

"""How the domain's value types are stored inside events, as JSON objects."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from enum import Enum
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


_NATIVE = frozenset({str, int, bool, type(None), datetime})
"""Types orjson writes as the library does (a datetime through `_default`); floats are checked one by one."""
_PASSED = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class _NotPlain(Exception):
    """A value orjson would write otherwise than the library's `json` (or not at all): left to the library."""


class LedgerTranscoder(JSONTranscoder):
    """The library's JSON transcoding, with orjson and one typed pass over the value each way: the same values, in
    half the time an event (every read model's step and every aggregate loaded decodes stored events, and every
    write encodes them)."""

    def __init__(self) -> None:
        self._decoders: dict[str, Callable[[Any], Any]] = {}
        self._leaves: dict[type, bool] = {}
        super().__init__()

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._leaves.clear()
        decode: Callable[[Any], Any] = transcoding.decode
        if type(transcoding) is UUIDAsHex:
            decode = _uuid
        elif type(transcoding) is DatetimeAsISO:
            decode = datetime.fromisoformat
        self._decoders[transcoding.name] = decode

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self._shallow(obj), default=self._default, option=_PASSED)
        except (_NotPlain, orjson.JSONEncodeError):  # NaN, integers past 64 bits, keys not text: as the library
            return super().encode(obj)

    def _default(self, obj: Any) -> dict[str, Any]:
        """What orjson passes back (datetimes, dataclasses, what it does not know) as the library's `default`."""
        return self._typed(obj, self._shallow)

    def _typed(self, value: Any, inner: Callable[[Any], Any]) -> dict[str, Any]:
        """A datetime, or a value of a type with a transcoding, as the object the library stores for it, what the
        transcoding made of it passed through `inner`."""
        if type(value) is datetime:
            return {"_type_": "datetime_iso", "_data_": value.isoformat()}
        transcoding = self.types.get(type(value))
        if transcoding is None:
            raise _NotPlain  # the library's error for a type it does not know
        return {"_type_": transcoding.name, "_data_": inner(transcoding.encode(value))}

    def _shallow(self, value: Any) -> Any:
        """`value` with its top level made plain: what orjson writes as the library does is left to it (text,
        numbers, enums, datetimes and dataclasses through `_default`), anything else goes through `_plain`, so that
        orjson never meets a UUID (which it would write as text) in a place `_default` has not looked."""
        if type(value) is dict:
            return {key: item if self._leaf(type(item)) else self._plain(item) for key, item in value.items()}
        return value if self._leaf(type(value)) else self._plain(value)

    def _leaf(self, kind: type) -> bool:
        leaf = self._leaves.get(kind)
        if leaf is None:
            leaf = self._leaves[kind] = kind in _NATIVE or (
                kind in self.types and dataclasses.is_dataclass(kind)
            ) or (issubclass(kind, Enum) and issubclass(kind, (str, int)))
        return leaf

    def _plain(self, value: Any) -> Any:
        """`value` as JSON's own types, each value of a custom type as the object its transcoding stores: what the
        library's encoder writes, in the order it checks (its `default` is asked only about what JSON cannot hold)."""
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            return value
        if kind is float:
            if math.isfinite(value):
                return value
            raise _NotPlain
        if kind is dict:
            return {key: self._plain(item) for key, item in value.items()}
        if kind is list or kind is tuple:
            return [self._plain(item) for item in value]
        if kind is UUID:
            return {"_type_": "uuid_hex", "_data_": value.hex}
        if isinstance(value, str):  # enums: JSON writes a subclass of its types as that type
            return str.__str__(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, (float, dict, list, tuple)):
            return self._plain(float(value) if isinstance(value, float) else
                               dict(value) if isinstance(value, dict) else list(value))
        return self._typed(value, self._plain)

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

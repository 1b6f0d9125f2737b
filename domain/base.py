"""The base aggregate and events: every event says who acted and when."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from functools import cache, lru_cache
from hashlib import sha1
from typing import Any, TypeVar
from uuid import UUID, SafeUUID

from eventsourcing.domain import Aggregate, DomainEvent, get_topic

Clock = Callable[[], datetime]
"""Injected time: the domain never reads the system clock."""

NAMESPACE = UUID("6f1c2b1e-5d0a-4c55-9a53-8a7c1f6d9e21")

A = TypeVar("A", bound="DocketAggregate")


_NAMESPACE_HASH = sha1(NAMESPACE.bytes)
"""SHA-1 fed the namespace, copied for each name: cheaper than hashing the namespace with each."""
_VERSION_5 = (0x8000 << 48) | (5 << 76)
_NOT_VERSION_BITS = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_UNKNOWN_SAFETY = SafeUUID.unknown  # read once: an enum member's lookup costs as much as the rest of uuid_of_int


@lru_cache(maxsize=16384)
def natural_id(*parts: str) -> UUID:
    """A deterministic id from outside-world names, so that retried writes collide: `uuid5(NAMESPACE, "/".join(parts))`
    without UUID's checking constructor (a third of the cost; a bulk write names three new ids a detection).

    Cached: projections name the same cases and accounts event after event, and SHA-1 costs more than a lookup.
    """
    return uuid_of_int(natural_int(*parts))


def natural_int(*parts: str) -> int:
    """`natural_id(*parts).int`, neither cached nor made a UUID: for a caller that keeps only the id's text."""
    named = _NAMESPACE_HASH.copy()
    named.update("/".join(parts).encode())
    return (int.from_bytes(named.digest()[:16]) & _NOT_VERSION_BITS) | _VERSION_5


def uuid_of_int(value: int) -> UUID:
    """`UUID(int=value)` without its checks, for a value known to fit in 128 bits."""
    made = object.__new__(UUID)
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", _UNKNOWN_SAFETY)
    return made


class DocketAggregate(Aggregate):
    """An aggregate whose events carry `actor` and `occurred_at` from the caller.

    Subclasses declare the state their events' `apply` methods set under `if TYPE_CHECKING:`, for the type
    checker alone: eventsourcing turns an aggregate class with annotations into a dataclass whose `__init__`
    would demand every one of them.
    """

    class Event(Aggregate.Event):
        actor: str
        occurred_at: datetime

    class Created(Event, Aggregate.Created):
        pass

    def _record(self, event_class: type[Aggregate.Event], actor: str, at: datetime, **attrs: Any) -> None:
        self.trigger_event(event_class, timestamp=at, actor=actor, occurred_at=at, **attrs)

    @classmethod
    def _start(
        cls: type[A], event_class: type[Aggregate.Created], id: UUID, actor: str, at: datetime, **attrs: Any
    ) -> A:
        """The library's `_create`, for aggregates that have no `__init__` of their own (none of Docket's has): the
        same event and aggregate, without matching keyword arguments to signatures on every call."""
        event = _made(event_class, {
            "originator_id": id, "originator_version": cls.INITIAL_VERSION, "timestamp": at,
            "originator_topic": get_topic(cls), "actor": actor, "occurred_at": at, **attrs,
        })
        aggregate = object.__new__(cls)
        aggregate.__base_init__(id, cls.INITIAL_VERSION, at)
        event.apply(aggregate)
        aggregate.pending_events.append(event)
        return aggregate


E = TypeVar("E", bound=Aggregate.Event)


def _made(event_class: type[E], state: dict[str, Any]) -> E:
    """`event_class(**state)`, its attributes set at once where `state` holds each of its fields in their order and the
    class checks nothing beyond the library's: its `__init__` sets each field of the frozen dataclass through
    `object.__setattr__`, ~2 us an event of a detection's ten (a bulk write makes two a detection)."""
    if _settable(event_class) != tuple(state) or not isinstance(state["originator_id"], UUID):
        make: Callable[..., E] = event_class
        return make(**state)  # which fills in defaults, or fails as the library does
    event = object.__new__(event_class)
    object.__setattr__(event, "__dict__", state)
    return event


@cache
def _settable(event_class: type[Aggregate.Event]) -> tuple[str, ...] | None:
    """The fields of `event_class`, in order, when its `__init__` only sets them and runs the library's check."""
    fields = dataclasses.fields(event_class)
    if event_class.__post_init__ is not DomainEvent.__post_init__ or not all(f.init for f in fields):
        return None
    return tuple(f.name for f in fields)

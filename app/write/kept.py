"""Cases and accounts a process keeps as it last read them, so that its next read decodes only the events since.

A kept aggregate is only ever the state of events the ledger committed: it is kept when a load decodes them, never
when a command changes it, and each load hands out a copy of it. A load reads, in the one statement it sends, every
event past each kept version, so another process's writes are always caught up with; a writer that gets in between
the load and the write makes the write conflict, and the command, run again, catches up with it as well.

Only kinds whose state holds no personal data are kept: a case's notes and escalations are sealed in its events
and never held in its state, so erasing an account leaves nothing readable here (see `domain.personal_data`).
"""

from __future__ import annotations

from typing import Any, TypeGuard, TypeVar
from uuid import UUID

from domain.account import Account
from domain.base import DocketAggregate
from domain.case import Case

A = TypeVar("A", bound=DocketAggregate)

KEPT_KINDS = (Case, Account)
"""What a decision reads, whose histories grow with every decision on the subject or the account."""
KEPT_MAX = 10_000
"""Aggregates a process keeps at most; past it, it starts again from none."""


class Kept:
    """The cases and accounts this process last read, each at the version of the last event it read of it."""

    def __init__(self) -> None:
        self._held: dict[UUID, DocketAggregate] = {}

    def among(self, ids: list[UUID]) -> dict[UUID, DocketAggregate]:
        """The kept aggregates among `ids`; not to be changed (see `thawed`)."""
        held = self._held
        return {i: held[i] for i in ids if i in held} if held else {}

    def keep(self, aggregate: object) -> TypeGuard[DocketAggregate]:
        """Keeps `aggregate` if it is of a kept kind, which must not change after (hand out a `thawed` copy)."""
        if not isinstance(aggregate, KEPT_KINDS):
            return False
        if len(self._held) >= KEPT_MAX:
            self._held = {}
        self._held[aggregate.id] = aggregate
        return True


def thawed(aggregate: A) -> A:
    """A copy of `aggregate` sharing none of its dicts, lists and sets, which its events change in place; what they
    hold besides (decisions, strikes, claims, ...) is frozen and shared."""
    copy = object.__new__(type(aggregate))
    copy.__dict__.update({name: _thawed(value) for name, value in aggregate.__dict__.items()})
    return copy


def _thawed(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        copy = value.copy()  # in C, keeping the keys' hashes (a UUID's is computed in Python)
        if not _CONTAINERS.isdisjoint(map(type, copy.values())):
            for key, inner in copy.items():
                copy[key] = _thawed(inner)
        return copy
    if kind is list:
        return [_thawed(v) for v in value]
    if kind is set:
        return set(value)  # of hashable, so immutable, values
    return value


_CONTAINERS = frozenset({dict, list, set})

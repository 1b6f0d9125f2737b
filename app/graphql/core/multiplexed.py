"""One execution of a `ledgerEvents` selection an event, for every subscriber of the process who would get the same
answer, and one JSON text of it (Hasura's multiplexed subscriptions, an event at a time).

Every subscriber at the head gets the same envelopes from the process's tail; each then had its own LedgerEvent made,
its selection executed over it and the result written as JSON: with fifty subscribers, fifty of each an event, one
after another in the event loop. What a subscriber's result for an event depends on besides the event is what it
asked (`Asked`: the operation, its variables) and what it may see (its roles and domains): subscribers alike in all
of these share one LedgerEvent, one execution and one JSON text. Which events a subscriber gets is still its own
filter's choice (the tail's), and only a result without errors is shared: an error is coded with its own request.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from graphql import ExecutionResult, OperationDefinitionNode, Undefined
from graphql.execution.values import VariableValues

from app.auth.tokens import Principal
from app.fanout.envelope import Envelope

KEEP = 2000
"""Events whose shared results are kept: as many as the tail holds."""
Made = TypeVar("Made")


@dataclass(frozen=True)
class Asked:
    """What a subscriber's result for an event depends on besides the event."""

    document: str
    operation: str | None
    variables: str
    """The variables' values as canonical JSON."""
    roles: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def of(cls, operation: OperationDefinitionNode, variables: VariableValues, principal: Principal) -> Asked | None:
        """None when it cannot be told apart for certain from another (no source text, values not plain JSON):
        such a subscriber shares nothing. The variables are those sent (a default is in the document)."""
        if operation.loc is None:
            return None
        sent = {name: source.value for name, source in variables.sources.items() if source.value is not Undefined}
        try:
            canonical = json.dumps(sent, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            return None
        name = None if operation.name is None else operation.name.value
        return cls(operation.loc.source.body, name, canonical, principal.roles, principal.domains)


@dataclass
class _Shared(Generic[Made]):
    envelope: Envelope
    """Held so that its id names it alone while it is kept."""
    event: Made
    data: dict[Asked, dict[str, Any]] = field(default_factory=dict)
    """The data of each result without errors: plain values, not graphql-core's objects, are what is kept."""


class Multiplexed(Generic[Made]):
    """The newest events as a process's `ledgerEvents` subscribers get them: one event object an envelope (`make`
    makes it), the result of each operation executed over it, and each result's JSON. Used from one event loop."""

    def __init__(self, make: Callable[[Envelope], Made], keep: int = KEEP) -> None:
        self.make = make
        self.keep = keep
        self._by_envelope: OrderedDict[int, _Shared[Made]] = OrderedDict()
        self._by_event: dict[int, _Shared[Made]] = {}
        self._texts: dict[int, tuple[dict[str, Any], str]] = {}
        """A shared result's data, by its id, and its JSON text once written."""

    def event(self, envelope: Envelope) -> Made:
        """The event object of `envelope` (the same envelope object: the tail's), the same for every subscriber."""
        shared = self._by_envelope.get(id(envelope))
        if shared is None:
            shared = self._by_envelope[id(envelope)] = _Shared(envelope, self.make(envelope))
            self._by_event[id(shared.event)] = shared
            if len(self._by_envelope) > self.keep:
                self._let_go(self._by_envelope.popitem(last=False)[1])
        return shared.event

    def result(self, event: object, asked: Asked | None, execute: Callable[[], Any]) -> Any:
        """The result of executing `asked` over `event`: executed once for every subscriber asking alike, if `event`
        is a shared one (`event()`) and the result has no errors; else executed for this subscriber alone."""
        shared = self._by_event.get(id(event))
        if asked is None or shared is None or shared.event is not event:
            return execute()
        data = shared.data.get(asked)
        if data is not None:
            return ExecutionResult(data)
        found = execute()
        if isinstance(found, ExecutionResult) and not found.errors and isinstance(found.data, dict):
            shared.data[asked] = found.data
            self._texts[id(found.data)] = (found.data, "")
        return found

    def text(self, data: object) -> str | None:
        """The JSON of a shared result's `data` (written once), None for any other value."""
        kept = self._texts.get(id(data))
        if kept is None or kept[0] is not data:
            return None
        if not kept[1]:
            kept = self._texts[id(data)] = (kept[0], json.dumps(data, separators=(",", ":")))
        return kept[1]

    def _let_go(self, shared: _Shared[Made]) -> None:
        del self._by_event[id(shared.event)]
        for data in shared.data.values():
            self._texts.pop(id(data), None)

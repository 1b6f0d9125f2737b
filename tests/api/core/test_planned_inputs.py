"""Input objects built by their plans are the very objects strawberry's own conversion builds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graphql import coerce_input_value
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryObjectDefinition

from app.graphql.core.planned_inputs import plan_inputs
from app.graphql.schema import build_schema

SCHEMA = build_schema()


def _input_definitions() -> Iterator[StrawberryObjectDefinition]:
    for concrete in SCHEMA.schema_converter.type_map.values():
        definition = concrete.definition
        if isinstance(definition, StrawberryObjectDefinition) and definition.is_input:
            yield definition


def _converted(name: str, value: dict[str, Any]) -> Any:
    definition = next(d for d in _input_definitions() if d.name == name)
    coerced = coerce_input_value(value, SCHEMA._schema.type_map[name])  # type: ignore[arg-type]
    return convert_argument(coerced, definition.origin, SCHEMA.schema_converter.scalar_registry, SCHEMA.config)


def _unplanned(name: str, value: dict[str, Any]) -> Any:
    """What strawberry builds with no plan of ours in the way."""
    planned = {d.name: d.from_input for d in _input_definitions() if getattr(d.from_input, "__name__", "") == "build"}
    try:
        for definition in _input_definitions():
            if definition.name in planned:
                definition.from_input = None
        return _converted(name, value)
    finally:
        for definition in _input_definitions():
            if definition.name in planned:
                definition.from_input = planned[definition.name]


SUBJECT = {"domain": "trust_safety", "kind": "pin", "id": "p1"}
CASES = [
    ("DecideInput", {
        "subject": SUBJECT, "accountId": "a", "policy": "spam", "outcome": "VIOLATING",
        "actions": [{"type": "DEMOTE"}, {"type": "REMOVE", "territories": ["DE"], "endsAt": "2030-01-01T00:00:00Z"}],
        "detectionIds": ["d1", "d2"], "rationale": "why", "idempotencyKey": "k",
        "dsa": {"accountType": "BUSINESS", "contentLanguage": "DE", "illegalToo": None},
    }),
    ("DecideInput", {
        "subject": SUBJECT, "accountId": "a", "policy": "spam", "outcome": "NOT_VIOLATING", "actions": [],
        "detectionIds": [], "rationale": "why",
    }),
    ("EventFilter", {"eventTypes": ["Detection.Recorded"], "subject": SUBJECT, "from": "2026-01-01T00:00:00Z"}),
    ("EventFilter", {"domains": None}),
    ("SubjectInput", SUBJECT),
]


@pytest.mark.parametrize(("name", "value"), CASES)
def test_a_planned_input_is_what_strawberry_builds(name: str, value: dict[str, Any]) -> None:
    planned = _converted(name, value)
    assert planned == _unplanned(name, value)
    assert type(planned).__name__ == name


def test_every_input_without_a_hook_of_its_own_is_planned() -> None:
    unplanned = [
        d.name for d in _input_definitions()
        if d.from_input is None or d.from_input.__name__ not in ("build", "_as_coerced")
    ]
    assert unplanned == []


def test_planning_again_changes_nothing() -> None:
    hooks = {d.name: d.from_input for d in _input_definitions()}
    plan_inputs(SCHEMA)
    assert {d.name: d.from_input for d in _input_definitions()} == hooks

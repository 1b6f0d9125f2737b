"""README's event catalog is held to the code: every event type the ledger records is there, with its NATS subject
and each field of its data and their types, and every value type those fields hold; nothing is there that is gone."""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Iterator, Mapping
from datetime import datetime
from enum import Enum
from pathlib import Path
from types import NoneType, UnionType
from typing import Any
from uuid import UUID

from app.fanout.envelope import aggregate_and_name, cloud_event_type
from app.fanout.event_json import NOT_DATA
from projections.audit_trail.projection import AuditTrailProjection

README = Path(__file__).resolve().parents[2] / "README.md"
SCALARS: dict[Any, str] = {
    str: "string", int: "integer", float: "number", bool: "boolean", datetime: "time", UUID: "uuid",
}


def _section() -> str:
    readme = README.read_text()
    return readme[readme.index("## Consuming events"):].split("\n## ", 1)[0]


def _fields(cls: type) -> list[tuple[str, Any]]:
    hints = typing.get_type_hints(cls)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(cls) if f.name not in NOT_DATA]


def _shape(hint: Any) -> str:
    """A field's type as the catalog writes it: `string`, `uuid?`, `[Action]`, `Decision`, `object`."""
    if hint in SCALARS:
        return SCALARS[hint]
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (UnionType, typing.Union) and NoneType in arguments:
        (inner,) = [a for a in arguments if a is not NoneType]
        return f"{_shape(inner)}?"
    if origin in (tuple, list, frozenset):
        return f"[{_shape(arguments[0])}]"
    if origin in (dict, Mapping) or hint is dict:
        return "object"
    assert isinstance(hint, type) and (dataclasses.is_dataclass(hint) or issubclass(hint, Enum)), hint
    return hint.__name__


def _listed(cls: type) -> str:
    return ", ".join(f"`{name}`: {_shape(hint)}" for name, hint in _fields(cls))


def _value_types(hints: list[Any]) -> Iterator[type]:
    """The dataclasses and enums that event fields hold, at any depth."""
    for hint in hints:
        for inner in (hint, *typing.get_args(hint)):
            if isinstance(inner, type) and issubclass(inner, Enum):
                yield inner
            elif isinstance(inner, type) and dataclasses.is_dataclass(inner):
                yield inner
                yield from _value_types([h for _, h in _fields(inner)])
            elif typing.get_args(inner):
                yield from _value_types(list(typing.get_args(inner)))


def expected_rows() -> list[str]:
    events = AuditTrailProjection.event_types
    rows = []
    for event in events:
        aggregate, name = aggregate_and_name(event.__qualname__)
        kind = cloud_event_type(event.__qualname__)
        rows.append(f"| `{kind}` | `docket.<domain>.{aggregate}.{name}` | {_listed(event)} |")
    values = dict.fromkeys(_value_types([h for e in events for _, h in _fields(e)]))
    for value in sorted(values, key=lambda v: v.__name__):
        if issubclass(value, Enum):
            rows.append(f"| `{value.__name__}` | one of {', '.join(f'`{m.value}`' for m in value)} |")
        else:
            rows.append(f"| `{value.__name__}` | {_listed(value)} |")
    return rows


def test_every_event_type_and_value_type_is_documented_with_its_fields() -> None:
    section = _section()
    missing = [row for row in expected_rows() if row not in section.splitlines()]
    assert missing == [], "README's 'Consuming events' lacks these rows (or has them otherwise):\n" + "\n".join(missing)


def test_the_catalog_names_nothing_the_code_does_not_have() -> None:
    documented = set(re.findall(r"^\| `(docket\.[a-z_.]+\.v\d+)` \|", _section(), flags=re.M))
    assert documented == {cloud_event_type(e.__qualname__) for e in AuditTrailProjection.event_types}
    names = {v.__name__ for v in _value_types([h for e in AuditTrailProjection.event_types for _, h in _fields(e)])}
    assert set(re.findall(r"^\| `([A-Z]\w+)` \|", _section(), flags=re.M)) == names

"""An event's own data as plain JSON: the `data` of its envelope."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

NOT_DATA = {"originator_id", "originator_version", "timestamp", "originator_topic"}
"""What every stored event has beside its data: its stream, version, time and topic."""


def event_fields(event: Any) -> dict[str, Any]:
    """The fields an event records beyond NOT_DATA, as they are: orjson writes them as `event_data` makes them."""
    return {name: value for name, value in vars(event).items() if name not in NOT_DATA}


def event_data(event: Any) -> dict[str, Any]:
    """The fields an event records beyond NOT_DATA, as plain JSON values."""
    return {name: plain(value) for name, value in event_fields(event).items()}


def plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return str(value)

"""How domain values become column values, and back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from domain.base import natural_int
from domain.case import Case
from domain.values import Action, Content, Subject


def text_id(value: UUID | None) -> str | None:
    return None if value is None else uuid_text(value)


def uuid_text(value: UUID) -> str:
    """`str(value)`, cached: read models name the same event's ids several times over (each its stream, its case, its
    decision), and UUID's own formatting costs several lookups."""
    return _hex_text(value.int)


@lru_cache(maxsize=32768)
def _hex_text(value: int) -> str:
    digits = f"{value:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


@lru_cache(maxsize=16384)
def case_text_id(subject: Subject) -> str:
    """The id of the subject's case, as text. Cached: read models name a detection's case several times over, and
    a UUID's text costs more than a lookup. Made straight from the id's number: most detections name a case new to
    the read model, and a UUID and `natural_id`'s cache in between cost more than the SHA-1. The text is kept by
    `uuid_text`'s cache too, for the case's own events (opened, decided), which name it by its UUID."""
    return _hex_text(natural_int(*Case.id_parts(subject)))


def content_columns(content: Content | None) -> tuple[str | None, str | None, str | None]:
    if content is None:
        return (None, None, None)
    return (content.uri, content.hash, content.version)


def content_from(uri: str | None, hash_: str | None, version: str | None) -> Content | None:
    return None if uri is None else Content(uri=uri, hash=hash_ or "", version=version or "")


def actions_json(actions: tuple[Action, ...]) -> str:
    return json.dumps(
        [
            {
                "type": str(a.type),
                "territories": list(a.territories),
                "ends_at": None if a.ends_at is None else a.ends_at.isoformat(),
            }
            for a in actions
        ]
    )


def actions_from(text: str) -> tuple[Action, ...]:
    return tuple(
        Action(
            type=a["type"],
            territories=tuple(a["territories"]),
            ends_at=None if a["ends_at"] is None else datetime.fromisoformat(a["ends_at"]),
        )
        for a in json.loads(text)
    )


def utc(value: Any) -> datetime:
    """A stored timestamp as an aware UTC datetime, whatever the engine returned."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    # Events' times are UTC already, and `astimezone` would only copy them: dear, at two a detection.
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def maybe_utc(value: Any) -> datetime | None:
    return None if value is None else utc(value)

"""An event's own data as plain JSON, the `data` of its envelope, read straight from how the event is stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

Unseal = Callable[[dict[str, Any]], Any]
"""How a field of personal data (sealed with its account's key, app.write.sealing) is opened: its value, or ERASED."""
_SEALED = b'"_type_":"sealed"'

NOT_DATA = {"originator_id", "originator_version", "timestamp", "originator_topic"}
"""What every stored event has beside its data: its stream, version, time and topic."""


def stored_fields(state: bytes, unseal: Unseal) -> dict[str, Any]:
    """Every field of a stored event's state (the ledger's JSON transcoding) as plain JSON, read without making the
    event: a value type's object is its fields, an enum its value, a UUID, time or decimal its text, personal data
    what `unseal` opens. The relay writes an envelope for every event, and the transcoder's objects cost several
    times what reading them as JSON does."""
    state = bytes(state)
    decoder = _STORED if _SEALED not in state else json.JSONDecoder(object_hook=partial(_plain_object, unseal))
    return decoder.decode(state.decode())


def _plain_object(unseal: Unseal | None, found: dict[str, Any]) -> Any:
    """One object of a stored state, innermost first: a transcoded value (`{"_type_", "_data_"}`) as plain JSON."""
    if len(found) != 2 or "_type_" not in found or "_data_" not in found:
        return found
    value = found["_data_"]
    if unseal is not None and found["_type_"] == "sealed":
        return unseal(value)
    if found["_type_"] == "uuid_hex":
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return value  # a time's or a decimal's text (its isoformat, its str), or a value type's fields


_STORED = json.JSONDecoder(object_hook=partial(_plain_object, None))

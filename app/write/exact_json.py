"""Stored JSON read with orjson, but for the integers orjson would read inexactly."""

from __future__ import annotations

import json
from typing import Any

import orjson

_DIGITS = bytes(ord("0") if b in b"-0123456789" else ord(" ") for b in range(256))
"""Each byte's stand-in when looking for long integers: a digit or a minus sign as 0, anything else a space."""
_LONG = b"0" * 20
"""20 digits (past 2**64 - 1, or led by zeros, which JSON's numbers never are), or a minus and 19 (which may lie below
-2**63): either is 20 stand-ins in a row, found in one search rather than one for each. Other runs of digits and minus
signs that long (a phone number's, say) are found too, and read by `json`: whole, only slower."""


def loads(data: bytes) -> Any:
    """`data` parsed as JSON. orjson reads an integer outside -2**63 .. 2**64 - 1 as a float, without a word, so text
    with a run of digits that could be one (anywhere, strings included) is read by `json`, which keeps every integer
    whole; as is anything orjson refuses (NaN, Infinity). Looking costs ~1.5 us a kilobyte."""
    if _LONG in data.translate(_DIGITS):
        return json.loads(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)

"""JSON text as `json.dumps` writes it, for half its cost a call."""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder
from typing import Any


def json_text(
    sort_keys: bool = False, ensure_ascii: bool = True, default: Callable[[Any], Any] | None = None,
) -> Callable[[Any], str]:
    """`json.dumps(value, sort_keys=..., ensure_ascii=..., default=...)`, the same text.

    `JSONEncoder.encode` makes its C encoder again at each call, about half of the ~4 us it spends on a detection's
    evidence; this one is made once, by the library's own arguments for a one-shot call. Without the library's check
    for circular values: a value read from JSON has none, and one that had would fail (RecursionError, not
    ValueError) rather than be written otherwise."""
    made = json.JSONEncoder(sort_keys=sort_keys, ensure_ascii=ensure_ascii, default=default, check_circular=False)
    make: Any = getattr(encoder, "c_make_encoder", None)  # what `JSONEncoder.iterencode` makes (not in the stubs)
    if make is None:  # a Python without the C accelerator
        return made.encode
    iterencode = make(
        None, made.default, encoder.encode_basestring_ascii if ensure_ascii else encoder.encode_basestring, None,
        made.key_separator, made.item_separator, made.sort_keys, made.skipkeys, made.allow_nan,
    )
    return lambda value: "".join(iterencode(value, 0))

"""The JSON of a request, read alike on every transport: nesting too deep to parse is cut down, not a crash."""

from __future__ import annotations

import json
import re
from typing import Any

from app.graphql.core.text_arguments import MAX_DEPTH

CUT_DEPTH = 2 * MAX_DEPTH
"""Deeper than a variable's value may nest under a request's envelope, shallow enough for json.loads to parse."""

_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def read_json(text: str | bytes) -> Any:
    """The parsed text; raises ValueError (as json.loads does) for text that is not JSON.

    json.loads recurses once per level and so fails on nesting near the interpreter's recursion
    limit. Such text has each list or object nested CUT_DEPTH levels deep emptied instead: too deep
    still, the argument checks refuse it as they refuse any value nested past MAX_DEPTH, naming its
    field.
    """
    try:
        return json.loads(text)
    except RecursionError:
        return json.loads(_cut(text.decode() if isinstance(text, bytes) else text))


def _cut(text: str) -> str:
    kept: list[str] = []
    depth = 0
    resume: int | None = 0
    """Where the text is kept again from; None while inside a list or object being emptied."""
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth == CUT_DEPTH:
                kept.append(text[resume : match.end()])
                resume = None
        elif token in ("]", "}"):
            if depth == CUT_DEPTH:
                resume = match.start()
            depth -= 1
    if resume is not None:
        kept.append(text[resume:])
    return "".join(kept)

"""Opaque cursors: a place in an order of several columns, as a string clients pass back unread."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from graphql import GraphQLError

from app.graphql.core.errors import bad_input

MAX_CURSOR = 1024


def encode_cursor(tag: str, values: list[Any]) -> str:
    """`values` (JSON values) under `tag`, which names the order they mark a place in."""
    raw = json.dumps([tag, *values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(tag: str, value: str, count: int) -> list[Any]:
    """The `count` values a cursor of `tag` holds; BAD_USER_INPUT for anything else."""
    if len(value) > MAX_CURSOR:
        raise bad_cursor()
    try:
        decoded = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        raise bad_cursor() from None
    if not isinstance(decoded, list) or len(decoded) != count + 1 or decoded[0] != tag:
        raise bad_cursor()
    return decoded[1:]


def bad_cursor() -> GraphQLError:
    return bad_input("after must be a cursor this query returned", "after")

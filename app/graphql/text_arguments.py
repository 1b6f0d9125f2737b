"""Refuses NUL characters in arguments: PostgreSQL cannot store or compare text that holds them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension

from app.graphql.errors import bad_input


def holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(holds_nul(v) for v in value)
    if isinstance(value, dict):
        return any(holds_nul(v) for v in value.values())
    if hasattr(value, "__dict__"):  # an input object
        return any(holds_nul(v) for v in vars(value).values())
    return False


class NoNulInArguments(SchemaExtension):
    """The same answer on either engine: a typed BAD_USER_INPUT instead of a database error."""

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any
    ) -> Any:
        for name, value in kwargs.items():
            if holds_nul(value):
                raise bad_input(f"{name} must not contain NUL characters", name)
        return _next(root, info, *args, **kwargs)

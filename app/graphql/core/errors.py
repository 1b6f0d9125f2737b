"""Expected failures as union members, and the typed errors of queries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

import strawberry
from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool

from domain import errors

T = TypeVar("T")


@strawberry.type(description="The input was malformed or broke a rule; nothing was written.")
class ValidationError:
    message: str
    field: str | None


@strawberry.type(description="A named record does not exist, or is outside the caller's view.")
class NotFoundError:
    message: str


@strawberry.type(description="The command contradicts what the ledger already holds; nothing was written.")
class ConflictError:
    message: str


Failure = ValidationError | NotFoundError | ConflictError


def as_failure(error: errors.DocketError) -> Failure:
    if isinstance(error, errors.ValidationError):
        return ValidationError(message=error.message, field=error.field)
    if isinstance(error, errors.NotFoundError):
        return NotFoundError(message=error.message)
    return ConflictError(message=error.message)


async def attempt(command: Callable[..., T], *args: Any) -> T | Failure:
    """Runs a blocking command off the event loop; a domain error becomes its union member."""
    return await attempted(run_in_threadpool(command, *args))


async def attempted(command: Awaitable[T]) -> T | Failure:
    """Awaits a command; a domain error becomes its union member."""
    try:
        return await command
    except errors.DocketError as error:
        return as_failure(error)


def parse_id(raw: object, field: str) -> UUID | ValidationError:
    """An id argument as a UUID, or the ValidationError that names the field."""
    try:
        return UUID(str(raw))
    except ValueError:
        return ValidationError(message=f"{field}: {raw!r} is not an id Docket issued", field=field)


def bad_input(message: str, argument: str) -> GraphQLError:
    """A query argument that cannot be used: typed by its code, never masked."""
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", "argument": argument})


def not_yet_consistent(position: int, timeout: float) -> GraphQLError:
    return GraphQLError(
        f"the read models did not reach position {position} within {timeout:g}s; retry the query",
        extensions={"code": "NOT_YET_CONSISTENT", "position": str(position)},
    )

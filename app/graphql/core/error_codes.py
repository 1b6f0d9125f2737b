"""Every error a client sees carries a code; crashes are masked and logged with the request's id."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing import persistence
from graphql import GraphQLError, GraphQLSyntaxError

from app.read.failures import ReadModelStopped

log = logging.getLogger("docket.graphql")

UNAVAILABLE_ERRORS = (
    psycopg.OperationalError, psycopg_pool.PoolTimeout, persistence.OperationalError, persistence.InterfaceError,
)
"""What the database raises while it cannot be reached: the client should retry, not report a bug."""

MASKED_MESSAGE = "Unexpected error."
UNAVAILABLE_MESSAGE = "the database is unavailable; retry shortly (writes with an idempotency key are safe to repeat)"


def is_unexpected(error: GraphQLError) -> bool:
    """A crash, as opposed to validation errors and the typed errors raised on purpose."""
    original: Any = error.original_error
    return original is not None and not isinstance(original, (GraphQLError, ReadModelStopped))


def is_unavailable(error: GraphQLError) -> bool:
    return isinstance(error.original_error, UNAVAILABLE_ERRORS)


def database_unavailable(formatted: Mapping[str, Any]) -> bool:
    """Whether an error as sent says the database cannot be reached (the request is answered 503), rather than
    that a read model the field reads has stopped (the field's error, beside the other fields' data)."""
    extensions = formatted.get("extensions") or {}
    return bool(extensions.get("code") == "UNAVAILABLE" and "readModels" not in extensions)


def request_code(error: GraphQLError) -> str:
    """The code of an error raised before execution, which graphql-core leaves without one."""
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def log_unexpected(errors: list[GraphQLError], request_id: str) -> None:
    for error in errors:
        if is_unavailable(error):
            log.warning("request %s: database unavailable at %s: %s", request_id, error.path, error.original_error)
        elif is_unexpected(error):
            log.error("request %s: unexpected error at %s", request_id, error.path, exc_info=error.original_error)


def coded(error: GraphQLError, request_id: str) -> GraphQLError:
    """The error as a client may see it: with a code, and a crash masked down to the request's id."""
    if isinstance(error.original_error, ReadModelStopped):
        names = [f.name for f in error.original_error.failures]
        return GraphQLError(str(error.original_error), path=error.path,
                            extensions={"code": "UNAVAILABLE", "readModels": names, "requestId": request_id})
    if is_unavailable(error):
        return GraphQLError(
            UNAVAILABLE_MESSAGE, path=error.path, extensions={"code": "UNAVAILABLE", "requestId": request_id}
        )
    if is_unexpected(error):
        return GraphQLError(
            MASKED_MESSAGE, path=error.path, extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
        )
    if error.extensions and "code" in error.extensions:
        return error
    code = request_code(error) if error.path is None else "INTERNAL_SERVER_ERROR"
    error.extensions = {**(error.extensions or {}), "code": code}
    return error


def code_errors(result: Any, request_id: str) -> None:
    """`coded` applied to the errors of a result the schema produces (a streamed subscription result too), in place."""
    errors = getattr(result, "errors", None)
    if errors:
        result.errors = [coded(error, request_id) for error in errors]

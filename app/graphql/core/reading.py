"""How a query reads: positions and cursors, pages, waiting for the read models, valid subjects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.graphql.core.context import Info
from app.graphql.core.errors import bad_input, not_yet_consistent
from app.read.failures import read_models_of
from app.runtime.wiring import Runtime
from domain.errors import ValidationError
from domain.values import Subject

MAX_PAGE = 500


DEFAULT_PAGE = 50


MAX_POSITION = 2**63 - 1
"""The largest position either engine can store (a signed 64-bit integer)."""


def parse_position(value: str | None, argument: str) -> int | None:
    """A position or cursor string as a ledger position."""
    if value is None:
        return None
    # ASCII only: str.isdigit() also accepts digits such as "²" that int() refuses.
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or int(value) > MAX_POSITION:
        raise bad_input(f"{argument} must be a ledger position: a string of decimal digits", argument)
    return int(value)


async def consistent(info: Info, min_position: str | None, *reads: Callable[..., Any]) -> Runtime:
    """The runtime, once the read models have reached `min_position` (bounded wait): those that the projections'
    read functions `reads` read, or every one when none are given (a field whose objects read more, such as a
    case's nested fields). A stopped read model is not waited for: reading it answers UNAVAILABLE at once."""
    runtime = info.context.runtime
    position = parse_position(min_position, "minPosition")
    if position is not None:
        timeout = runtime.settings.consistency_timeout
        names = read_models_of(reads) or None
        if not await runtime.projector.reach(position, timeout, names):
            raise not_yet_consistent(position, timeout)
    return runtime


def check_page(first: int) -> None:
    if not 1 <= first <= MAX_PAGE:
        raise bad_input(f"first must be between 1 and {MAX_PAGE}", "first")


def valid_subject(subject: Subject, argument: str) -> Subject:
    try:
        return subject.validate()
    except ValidationError as error:
        raise bad_input(error.message, argument) from None

"""Times at the door: query arguments held to the range the domain accepts."""

from __future__ import annotations

from datetime import datetime

from app.graphql.core.errors import bad_input
from domain.errors import ValidationError
from domain.values import check_time


def valid_time(value: datetime, argument: str) -> datetime:
    """A query argument's time in UTC, or BAD_USER_INPUT naming the argument."""
    try:
        return check_time(value, argument)
    except ValidationError as error:
        raise bad_input(error.message, argument) from None

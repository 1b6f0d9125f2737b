"""The DateTime scalar reads what dateutil's isoparse reads, as it reads it, and fails where it fails, alike."""

from __future__ import annotations

from datetime import datetime

import pytest
from dateutil.parser import isoparse

from app.graphql.core.times import parse_time

TEXTS = [
    "2026-11-01T09:30:00Z", "2026-11-01T09:30:00+00:00", "2026-11-01T09:30:00.123Z", "2026-11-01T09:30:00.123456Z",
    "2026-11-01T09:30:00.1Z", "2026-11-01T09:30:00.1234567Z", "2026-11-01T09:30:00,123Z", "2026-11-01T09:30:00z",
    "2026-11-01T09:30:00-00:00", "2026-11-01T09:30:00+02:00", "2026-11-01T09:30:00", "2026-11-01T09:30Z",
    "2026-11-01", "20261101T093000Z", "2026-12-31T24:00:00Z", "9999-12-31T24:00:00Z", "2026-02-29T00:00:00Z",
    "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-01T25:00:00Z", "2026-11-01T09:60:00Z",
    "2026-11-01T09:30:61Z", "\u0662026-11-01T09:30:00Z", "2026-11-01T09:30:00Z ", "0001-01-01T00:00:00Z", "",
]


def parsed(parse: object, text: str) -> tuple[object, ...]:
    assert callable(parse)
    try:
        value = parse(text)
    except Exception as error:  # noqa: BLE001 - the failure itself is what is compared
        return type(error), str(error)
    assert isinstance(value, datetime)
    return value, value.tzinfo, value.isoformat()


@pytest.mark.parametrize("text", TEXTS)
def test_a_time_is_read_as_isoparse_reads_it_or_fails_as_it_fails(text: str) -> None:
    assert parsed(parse_time, text) == parsed(isoparse, text)


def test_a_utc_time_has_dateutils_own_utc() -> None:
    assert parse_time("2026-11-01T09:30:00.123456+00:00").tzinfo is isoparse("2026-11-01T09:30:00Z").tzinfo

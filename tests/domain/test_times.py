"""Every time a command takes from outside must lie in one range that every store can hold, and is kept in UTC."""

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from domain.errors import ValidationError
from domain.reporter import Reporter
from domain.values import EARLIEST_TIME, LATEST_TIME, Action, ActionType
from tests.domain.factories import T0, decided, opened_case, published_policy, recorded_detection, violating

OUT_OF_RANGE = {
    "year 1 east of UTC": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
    "year 9999 west of UTC": datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14))),
    "just before the range": EARLIEST_TIME - timedelta(seconds=1),
    "just after the range": LATEST_TIME + timedelta(microseconds=1),
    "naive": datetime(2026, 3, 2, 9, 30),  # noqa: DTZ001 - a time without a zone is what is refused
}


def detected_at(time: datetime) -> datetime:
    return recorded_detection(detected_at=time).facts.detected_at


def action_ends_at(time: datetime) -> datetime | None:
    decision = decided(opened_case(), published_policy(), violating(Action(ActionType.DEMOTE, ends_at=time)), "d")
    return decision.actions[0].ends_at


def suspended_until(time: datetime) -> datetime | None:
    reporter = Reporter.register("user-9", "trust:olga", T0)
    reporter.warn("Twelve notices on lawful satire in a week", "trust:olga", T0)
    reporter.suspend("Manifestly unfounded notices", time, "trust:olga", T0)
    return reporter.suspended_until


COMMANDS: dict[str, tuple[Callable[[datetime], datetime | None], str]] = {
    "Detection.record": (detected_at, "detectedAt"),
    "Case.decide": (action_ends_at, "actions.endsAt"),
    "Reporter.suspend": (suspended_until, "until"),
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("time", list(OUT_OF_RANGE))
def test_a_time_outside_the_range_or_without_a_zone_is_refused_naming_its_field(command: str, time: str) -> None:
    run, field = COMMANDS[command]

    with pytest.raises(ValidationError) as raised:
        run(OUT_OF_RANGE[time])

    assert raised.value.field == field


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_last_time_of_the_range_is_accepted_and_kept_in_utc(command: str) -> None:
    run, _ = COMMANDS[command]
    last = LATEST_TIME.astimezone(timezone(timedelta(hours=-14)))

    kept = run(last)

    assert kept == LATEST_TIME
    assert kept is not None and kept.utcoffset() == timedelta(0)


def test_the_first_time_of_the_range_is_accepted_and_kept_in_utc() -> None:
    first = EARLIEST_TIME.astimezone(timezone(timedelta(hours=14)))

    assert detected_at(first).isoformat() == "1970-01-01T00:00:00+00:00"
    assert action_ends_at(first) == EARLIEST_TIME


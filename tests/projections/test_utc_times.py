"""Times as read models store them: `utc` gives an aware UTC datetime, whatever it is given."""

from datetime import UTC, datetime, timedelta, timezone

from projections.values import utc


def test_a_utc_time_is_kept_and_any_other_is_moved_to_utc() -> None:
    at = datetime(2026, 12, 7, 7, 30, 0, 123456, tzinfo=UTC)
    paris = at.astimezone(timezone(timedelta(hours=1)))
    for given in (at, paris, "2026-12-07T07:30:00.123456+00:00", "2026-12-07T08:30:00.123456+01:00"):
        made = utc(given)
        assert made == at
        assert made.tzinfo is UTC
        assert made.isoformat() == at.isoformat()

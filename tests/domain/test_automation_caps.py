"""Caps on automated decisions: counted per account an hour and per rule a day, each verdict once."""

from uuid import UUID

from domain.automation import Caps
from domain.automation_caps import AutomationTally, CapWindows, cap_reached, counted
from tests.domain.factories import at

RULE = UUID(int=7)
CAPS = Caps(per_account_per_hour=2, per_day=3)


def tally(window: str, *keys: str) -> AutomationTally | None:
    found = None
    for key in keys:
        found = counted(found, RULE, window, key, "automation:r", at())
    return found


def test_windows_are_the_accounts_utc_hour_and_the_rules_utc_day() -> None:
    assert CapWindows.at("acct-1", at(minutes=45)) == CapWindows("account/acct-1/2026-03-02T10", "day/2026-03-02")
    assert CapWindows.at(None, at()).hour is None


def test_below_both_caps_a_decision_may_be_made() -> None:
    assert cap_reached(CAPS, tally("h", "a"), tally("d", "a", "b"), "c") is None
    assert cap_reached(CAPS, None, None, "a") is None


def test_the_per_account_cap_sends_the_next_decision_to_a_human() -> None:
    reached = cap_reached(CAPS, tally("h", "a", "b"), tally("d", "a", "b"), "c")
    assert reached is not None
    assert reached.cap == "perAccountPerHour"
    assert "2 automated decisions per account an hour" in reached.reason


def test_the_daily_cap_holds_across_accounts() -> None:
    reached = cap_reached(CAPS, tally("h", "z"), tally("d", "a", "b", "c"), "e")
    assert reached is not None
    assert reached.cap == "perDay"


def test_a_retried_decision_already_counted_passes_no_cap_and_counts_once() -> None:
    daily = tally("d", "a", "b", "c")
    assert cap_reached(CAPS, None, daily, "b") is None
    assert daily is not None
    daily.collect_events()
    counted(daily, RULE, "d", "b", "automation:r", at())
    assert (daily.count, daily.collect_events()) == (3, [])


def test_a_tally_has_one_id_per_rule_and_window() -> None:
    assert AutomationTally.create_id(RULE, "d") == AutomationTally.create_id(RULE, "d")
    assert AutomationTally.create_id(RULE, "d") != AutomationTally.create_id(UUID(int=8), "d")

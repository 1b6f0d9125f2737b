"""Protection: accounts automation never acts on, protected and unprotected as events."""

import pytest

from domain.errors import ValidationError
from domain.protection import Protection
from tests.domain.factories import T0, at


def test_protecting_an_account_records_who_and_why() -> None:
    protection = Protection.protect_new("acct-mayor", "public figure", "policy:carol", T0)

    (event,) = protection.collect_events()

    assert isinstance(event, Protection.Protected)
    assert (event.account_id, event.reason, event.actor) == ("acct-mayor", "public figure", "policy:carol")
    assert protection.protected


def test_unprotecting_and_protecting_again_are_events_and_repeats_record_nothing() -> None:
    protection = Protection.protect_new("acct-mayor", "public figure", "policy:carol", T0)
    protection.collect_events()

    protection.unprotect("left office", "policy:carol", at(days=1))
    protection.unprotect("again", "policy:carol", at(days=2))
    assert not protection.protected
    protection.protect("re-elected", "policy:carol", at(days=3))
    protection.protect("again", "policy:carol", at(days=4))

    assert [type(e) for e in protection.collect_events()] == [Protection.Unprotected, Protection.Reprotected]
    assert protection.protected


def test_protection_needs_a_reason() -> None:
    with pytest.raises(ValidationError):
        Protection.protect_new("acct-mayor", " ", "policy:carol", T0)

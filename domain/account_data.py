"""AccountData: the personal data the ledger holds about an account, its legal holds and its erasure.

Erasure is crypto-shredding: personal data in events is sealed with the account's own key, kept apart from the
events; erasing deletes the key, and the events (never rewritten, still chained) read as ERASED where it was.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.errors import ConflictError
from domain.values import check_identifier, check_text

ERASED = "[erased]"
"""What a field of personal data reads as once its account's key is deleted."""
ERASED_OBJECT = {"erased": ERASED}
"""What an object of personal data (a detection's evidence) reads as once erased."""
MAX_REASON = 2_000


class LegalHoldError(ConflictError):
    """Raised when an account's data is to be erased while a legal hold keeps it."""

    def __init__(self, message: str, authority: str | None) -> None:
        super().__init__(message)
        self.authority = authority


class AccountData(DocketAggregate):
    """Whether an account's personal data is under a legal hold, and when it was last erased."""

    if TYPE_CHECKING:
        account_id: str
        held: bool
        hold_reason: str | None
        hold_authority: str | None
        erased_at: datetime | None

    @staticmethod
    def create_id(account_id: str) -> UUID:
        return natural_id("account-data", account_id)

    class Registered(DocketAggregate.Created):
        account_id: str

        def apply(self, data: AccountData) -> None:
            data.account_id = self.account_id
            data.held = False
            data.hold_reason = None
            data.hold_authority = None
            data.erased_at = None

    class Erased(DocketAggregate.Event):
        """The account's key was deleted with this event (in its transaction): its personal data reads as ERASED,
        and consumers drop what they derived from it."""

        account_id: str
        reason: str

        def apply(self, data: AccountData) -> None:
            data.erased_at = self.occurred_at

    class LegalHoldPlaced(DocketAggregate.Event):
        reason: str
        authority: str

        def apply(self, data: AccountData) -> None:
            data.held = True
            data.hold_reason = self.reason
            data.hold_authority = self.authority

    class LegalHoldLifted(DocketAggregate.Event):
        reason: str
        authority: str

        def apply(self, data: AccountData) -> None:
            data.held = False
            data.hold_reason = None
            data.hold_authority = None

    @classmethod
    def register(cls, account_id: str, actor: str, at: datetime) -> AccountData:
        check_identifier(account_id, "accountId")
        return cls._start(cls.Registered, cls.create_id(account_id), actor, at, account_id=account_id)

    def erase(self, reason: str, has_key: bool, actor: str, at: datetime) -> None:
        """Erases the account's personal data; with no key left (erased before, nothing sealed since) it changes
        nothing, so a repeated request succeeds."""
        check_text(reason, "reason", MAX_REASON)
        if self.held:
            raise LegalHoldError(
                f"account {self.account_id!r} is under a legal hold ({self.hold_authority}: {self.hold_reason}); "
                "lift it before erasing",
                self.hold_authority,
            )
        if has_key or self.erased_at is None:
            self._record(self.Erased, actor, at, account_id=self.account_id, reason=reason)

    def place_hold(self, reason: str, authority: str, actor: str, at: datetime) -> None:
        """Keeps the account's personal data from erasure until lifted; placing it again changes nothing."""
        check_text(reason, "reason", MAX_REASON)
        check_text(authority, "authority", 500)
        if not self.held:
            self._record(self.LegalHoldPlaced, actor, at, reason=reason, authority=authority)

    def lift_hold(self, reason: str, authority: str, actor: str, at: datetime) -> None:
        """Lifts the legal hold; lifting it from an account under none changes nothing."""
        check_text(reason, "reason", MAX_REASON)
        check_text(authority, "authority", 500)
        if self.held:
            self._record(self.LegalHoldLifted, actor, at, reason=reason, authority=authority)

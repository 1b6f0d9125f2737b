"""Protection: accounts automation never acts on (public figures, partners, the platform's own), kept as events."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.values import check_identifier, check_text


class Protection(DocketAggregate):
    """Whether an account is protected from automated decisions, and why; a human decides about a protected one."""

    if TYPE_CHECKING:
        account_id: str
        protected: bool
        reason: str

    @staticmethod
    def create_id(account_id: str) -> UUID:
        return natural_id("protection", account_id)

    class Protected(DocketAggregate.Created):
        account_id: str
        reason: str

        def apply(self, protection: Protection) -> None:
            protection.account_id = self.account_id
            protection.protected = True
            protection.reason = self.reason

    class Reprotected(DocketAggregate.Event):
        reason: str

        def apply(self, protection: Protection) -> None:
            protection.protected = True
            protection.reason = self.reason

    class Unprotected(DocketAggregate.Event):
        reason: str

        def apply(self, protection: Protection) -> None:
            protection.protected = False
            protection.reason = self.reason

    @classmethod
    def protect_new(cls, account_id: str, reason: str, actor: str, at: datetime) -> Protection:
        check_identifier(account_id, "accountId")
        check_text(reason, "reason", 2_000)
        return cls._start(cls.Protected, cls.create_id(account_id), actor, at, account_id=account_id, reason=reason)

    def protect(self, reason: str, actor: str, at: datetime) -> None:
        """Protects the account again; protecting a protected account changes nothing."""
        check_text(reason, "reason", 2_000)
        if not self.protected:
            self._record(self.Reprotected, actor, at, reason=reason)

    def unprotect(self, reason: str, actor: str, at: datetime) -> None:
        """Lifts the protection; lifting it from an unprotected account changes nothing."""
        check_text(reason, "reason", 2_000)
        if self.protected:
            self._record(self.Unprotected, actor, at, reason=reason)

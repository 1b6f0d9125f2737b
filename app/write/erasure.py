"""Erasing an account's personal data (crypto-shredding its key), and the legal holds that keep it from erasure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.write.sealing import Keyring
from app.write.unit_of_work import UnitOfWork
from domain.account import Account
from domain.account_data import AccountData
from domain.errors import NotFoundError
from domain.values import check_identifier


@dataclass(frozen=True)
class AccountDataWritten:
    data: AccountData
    position: int


def no_such_account(account_id: str) -> NotFoundError:
    return NotFoundError(f"the ledger holds no record of account {account_id!r}")


class Erasure:
    def __init__(self, work: UnitOfWork, keyring: Keyring) -> None:
        self.work = work
        self.keyring = keyring

    def erase_account_data(self, account_id: str, reason: str, actor: str) -> AccountDataWritten:
        """Deletes the account's key and records the erasure, in one transaction; erasing again with nothing sealed
        since changes nothing. A LegalHoldError while a hold keeps the data."""

        def attempt() -> AccountDataWritten:
            data = self._account_data(account_id, actor)
            has_key = bool(self.keyring.store.current([account_id]))
            data.erase(reason, has_key, actor, self.work.clock())
            written = AccountDataWritten(data, self.work.store(data))
            self.keyring.forget(account_id)
            return written

        return self.work.retrying(attempt)

    def place_legal_hold(self, account_id: str, reason: str, authority: str, actor: str) -> AccountDataWritten:
        return self._change(account_id, actor, lambda data, now: data.place_hold(reason, authority, actor, now))

    def lift_legal_hold(self, account_id: str, reason: str, authority: str, actor: str) -> AccountDataWritten:
        return self._change(account_id, actor, lambda data, now: data.lift_hold(reason, authority, actor, now))

    def _change(
        self, account_id: str, actor: str, change: Callable[[AccountData, datetime], None]
    ) -> AccountDataWritten:
        def attempt() -> AccountDataWritten:
            data = self._account_data(account_id, actor)
            change(data, self.work.clock())
            return AccountDataWritten(data, self.work.store(data))

        return self.work.retrying(attempt)

    def _account_data(self, account_id: str, actor: str) -> AccountData:
        """The account's AccountData, new if the ledger knows the account (its enforcement record or a key of its
        data); a NotFoundError if it knows nothing of it."""
        check_identifier(account_id, "accountId")
        data = self.work.find(AccountData, AccountData.create_id(account_id))
        if data is not None:
            return data
        known = (
            self.work.find(Account, Account.create_id(account_id)) is not None
            or bool(self.keyring.store.current([account_id]))
        )
        if not known:
            raise no_such_account(account_id)
        return AccountData.register(account_id, actor, self.work.clock())

"""Notices to people: the language an account reads them in, and the notification service's word that it delivered
one. Notices themselves are issued with the decisions they tell of (`deciding`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.write.unit_of_work import UnitOfWork
from domain.account import Account
from domain.errors import no_such_notice
from domain.notice import Notice
from domain.values import check_identifier


@dataclass(frozen=True)
class LanguageSet:
    account: Account
    position: int
    created: bool
    """False when the account read that language already, and nothing was recorded."""


@dataclass(frozen=True)
class NoticeDelivered:
    notice: Notice
    position: int
    created: bool
    """False for a repeat, which recorded nothing."""


@dataclass
class Notices:
    work: UnitOfWork

    def set_account_language(self, account_id: str, language: str, actor: str) -> LanguageSet:
        """Records the language the account reads notices in, registering the account if it is new."""
        check_identifier(account_id, "accountId")

        def attempt() -> LanguageSet:
            now = self.work.clock()
            account = self.work.find(Account, Account.create_id(account_id))
            account = account or Account.register(account_id, actor, now)
            created = account.set_language(language, actor, now)
            return LanguageSet(account, self.work.store(account), created)

        return self.work.retrying(attempt)

    def get_notice(self, notice_id: UUID) -> Notice:
        notice = self.work.find(Notice, notice_id)
        if notice is None:
            raise no_such_notice(notice_id)
        return notice

    def confirm_notice_delivered(
        self, notice_id: UUID, channel: str, delivered_at: datetime, external_ref: str | None, actor: str
    ) -> NoticeDelivered:
        """Records the delivery once; a repeat answers the notice as it stands and records nothing."""

        def attempt() -> NoticeDelivered:
            notice = self.get_notice(notice_id)
            created = notice.confirm_delivered(channel, delivered_at, external_ref, actor, self.work.clock())
            return NoticeDelivered(notice, self.work.store(notice), created)

        return self.work.retrying(attempt)

"""Account: who content belongs to, and the strikes that decisions give it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.case import Decision
from domain.errors import ConflictError, NotFoundError
from domain.policy import Policy
from domain.standing import Standing, Strike, standing_at
from domain.values import Outcome, check_identifier

DEFAULT_STRIKE_LIFETIME = timedelta(days=365)
DEFAULT_STRIKE_LIFETIMES = {
    "trust_safety": timedelta(days=365),
    "ads": timedelta(days=90),
    "shopping": timedelta(days=180),
}


class Account(DocketAggregate):
    """An account's enforcement record: strikes are issued and removed, never rewritten."""

    @staticmethod
    def create_id(account_id: str) -> UUID:
        return natural_id("account", account_id)

    class Registered(DocketAggregate.Created):
        account_id: str

        def apply(self, account: Account) -> None:
            account.account_id = self.account_id
            account.strikes = {}

    class StrikeIssued(DocketAggregate.Event):
        strike: Strike

        def apply(self, account: Account) -> None:
            account.strikes[self.strike.strike_id] = self.strike

    class StrikeRemoved(DocketAggregate.Event):
        strike_id: UUID
        reason: str

        def apply(self, account: Account) -> None:
            strike = account.strikes[self.strike_id]
            account.strikes[self.strike_id] = replace(
                strike, removed_at=self.occurred_at, removal_reason=self.reason
            )

    @classmethod
    def register(cls, account_id: str, actor: str, at: datetime) -> Account:
        check_identifier(account_id, "accountId")
        return cls._start(cls.Registered, cls.create_id(account_id), actor, at, account_id=account_id)

    def live_strike_for(self, case_id: UUID, policy_key: str) -> Strike | None:
        """The strike a case and policy already count for, if any: one case never counts twice."""
        for strike in self.strikes.values():
            if strike.case_id == case_id and strike.policy_key == policy_key and strike.removed_at is None:
                return strike
        return None

    def apply_decision(
        self, case_id: UUID, decision: Decision, policy: Policy, lifetime: timedelta, actor: str, at: datetime
    ) -> Strike | None:
        """Issues, keeps or removes the case's strike so that it follows the live decision."""
        existing = self.live_strike_for(case_id, decision.policy_key)
        if decision.outcome is Outcome.NOT_VIOLATING:
            if existing is not None:
                self.remove_strike(existing.strike_id, f"superseded by decision {decision.decision_id}", actor, at)
            return None
        if existing is not None or policy.terms.strike_points == 0:
            return existing
        strike = Strike(
            strike_id=natural_id("strike", str(decision.decision_id)),
            domain=policy.domain,
            policy_key=policy.key,
            policy_version=decision.policy_version,
            points=policy.terms.strike_points,
            decision_id=decision.decision_id,
            case_id=case_id,
            issued_at=at,
            expires_at=at + lifetime,
        )
        self._record(self.StrikeIssued, actor, at, strike=strike)
        return strike

    def remove_strike(self, strike_id: UUID, reason: str, actor: str, at: datetime) -> None:
        strike = self.strikes.get(strike_id)
        if strike is None:
            raise NotFoundError(f"account {self.account_id} has no strike {strike_id}")
        if strike.removed_at is not None:
            raise ConflictError(f"strike {strike_id} was already removed")
        self._record(self.StrikeRemoved, actor, at, strike_id=strike_id, reason=reason)

    def standing(self, at: datetime) -> Standing:
        return standing_at(tuple(self.strikes.values()), at)

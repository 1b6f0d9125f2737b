"""Account: who content belongs to, and the strikes and penalties that decisions give it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.case import Case, Decision
from domain.dsa import LANGUAGES
from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.ladder import Ladder
from domain.levels import PenaltyKind
from domain.policy import Policy
from domain.standing import Penalty, Standing, Strike, active_points, standing_at
from domain.values import Outcome, check_identifier


class Account(DocketAggregate):
    """An account's enforcement record: strikes and penalties are issued and lifted, never rewritten."""

    if TYPE_CHECKING:
        account_id: str
        strikes: dict[UUID, Strike]
        penalties: dict[UUID, Penalty]
        language: str | None
        """The language the account reads notices in (ISO 639-1, upper case); None: not known."""

    @staticmethod
    def create_id(account_id: str) -> UUID:
        return natural_id("account", account_id)

    class Registered(DocketAggregate.Created):
        account_id: str

        def apply(self, account: Account) -> None:
            account.account_id = self.account_id
            account.strikes = {}
            account.penalties = {}
            account.language = None

    class StrikeIssued(DocketAggregate.Event):
        strike: Strike

        def apply(self, account: Account) -> None:
            account.strikes[self.strike.strike_id] = self.strike

    class StrikeRemoved(DocketAggregate.Event):
        strike_id: UUID
        reason: str

        def apply(self, account: Account) -> None:
            strike = account.strikes[self.strike_id]
            account.strikes[self.strike_id] = replace(strike, removed_at=self.occurred_at, removal_reason=self.reason)

    class PenaltyImposed(DocketAggregate.Event):
        penalty: Penalty

        def apply(self, account: Account) -> None:
            account.penalties[self.penalty.penalty_id] = self.penalty

    class PenaltyLifted(DocketAggregate.Event):
        penalty_id: UUID
        reason: str

        def apply(self, account: Account) -> None:
            penalty = account.penalties[self.penalty_id]
            account.penalties[self.penalty_id] = replace(penalty, lifted_at=self.occurred_at, lift_reason=self.reason)

    class LanguageSet(DocketAggregate.Event):
        language: str

        def apply(self, account: Account) -> None:
            account.language = self.language

    @classmethod
    def register(cls, account_id: str, actor: str, at: datetime) -> Account:
        check_identifier(account_id, "accountId")
        return cls._start(cls.Registered, cls.create_id(account_id), actor, at, account_id=account_id)

    def set_language(self, language: str, actor: str, at: datetime) -> bool:
        """Records the language the account reads notices in; False when it already does, recording nothing."""
        if not isinstance(language, str) or language not in LANGUAGES:
            raise ValidationError(f"language must be an upper-case ISO 639-1 code, not {language!r}", "language")
        if language == self.language:
            return False
        self._record(self.LanguageSet, actor, at, language=language)
        return True

    def live_strike_for(self, case_id: UUID, policy_key: str) -> Strike | None:
        """The strike a case and policy already count for, if any: one case never counts twice."""
        for strike in self.strikes.values():
            if strike.case_id == case_id and strike.policy_key == policy_key and strike.removed_at is None:
                return strike
        return None

    def strike_for_decision(self, decision_id: UUID) -> Strike | None:
        return next((s for s in self.strikes.values() if s.decision_id == decision_id), None)

    def strike_of(self, case: Case, decision_id: UUID) -> Strike | None:
        """The strike a decision of `case` counts: the one it issued, or for a VIOLATING re-decision of a VIOLATING
        decision, the one that decision counts (the case keeps its strike: one case never counts twice)."""
        decision = case.decisions[decision_id]
        issued = self.strike_for_decision(decision_id)
        if issued is not None or decision.outcome is not Outcome.VIOLATING or decision.supersedes is None:
            return issued
        return self.strike_of(case, decision.supersedes)

    def apply_decision(
        self, case_id: UUID, decision: Decision, policy: Policy, ladder: Ladder, actor: str, at: datetime
    ) -> Strike | None:
        """Issues, keeps or removes the case's strike so that it follows the live decision, with its penalties."""
        existing = self.live_strike_for(case_id, decision.policy_key)
        if decision.outcome is Outcome.NOT_VIOLATING:
            if existing is not None:
                self.remove_strike(existing.strike_id, f"superseded by decision {decision.decision_id}", actor, at)
            return None
        points = ladder.points_for(policy.terms)
        if existing is not None or (points == 0 and not policy.terms.zero_tolerance):
            return existing
        before = active_points(self.strikes.values(), policy.domain, at)
        strike = issued_strike(decision.decision_id, case_id, policy, decision.policy_version, points, ladder, at)
        self._record(self.StrikeIssued, actor, at, strike=strike)
        self._impose(ladder, strike, before, policy.terms.zero_tolerance, actor, at)
        return strike

    def penalty_of(self, strike: Strike) -> Penalty | None:
        """The penalty the strike brought, if it brought one."""
        return self.penalties.get(_penalty_id(strike))

    def _impose(
        self, ladder: Ladder, strike: Strike, before: int, zero_tolerance: bool, actor: str, at: datetime
    ) -> None:
        penalty = penalty_for(ladder, strike, before, zero_tolerance, at)
        if penalty is not None:
            self._record(self.PenaltyImposed, actor, at, penalty=penalty)

    def remove_strike(self, strike_id: UUID, reason: str, actor: str, at: datetime) -> None:
        """Removes a strike and lifts every penalty that no longer follows from the ladder."""
        strike = self.strikes.get(strike_id)
        if strike is None:
            raise NotFoundError(f"account {self.account_id} has no strike {strike_id}")
        if strike.removed_at is not None:
            raise ConflictError(f"strike {strike_id} was already removed")
        self._record(self.StrikeRemoved, actor, at, strike_id=strike_id, reason=reason)
        for penalty in list(self.penalties.values()):
            if self._unfounded(penalty, at):
                self._record(
                    self.PenaltyLifted, actor, at, penalty_id=penalty.penalty_id,
                    reason=f"no longer follows from the ladder: {reason}",
                )

    def _unfounded(self, penalty: Penalty, at: datetime) -> bool:
        """A running penalty whose cause is gone: too few points left, or its zero-tolerance strike removed."""
        if penalty.lifted_at is not None or (penalty.ends_at is not None and at >= penalty.ends_at):
            return False
        if penalty.threshold == 0:
            return self.strikes[penalty.cause_strike_id].removed_at is not None
        if active_points(self.strikes.values(), penalty.domain, at) >= penalty.threshold:
            return False
        if penalty.points_bound:
            return True
        # A timed penalty runs on as its strikes expire: it goes only if the strikes that counted when it
        # was imposed, less those removed, no longer reach it.
        standing = [s for s in self.strikes.values() if s.removed_at is None]
        return active_points(standing, penalty.domain, penalty.starts_at) < penalty.threshold

    def standing(self, at: datetime, ladders: Callable[[str], Ladder] | None = None) -> Standing:
        return standing_at(self.strikes.values(), at, self.penalties.values(), ladders)


def _penalty_id(strike: Strike) -> UUID:
    """A strike brings at most one penalty: the one of the rung it reached, or zero tolerance's."""
    return natural_id("penalty", str(strike.strike_id))


def issued_strike(
    decision_id: UUID, case_id: UUID, policy: Policy, policy_version: int, points: int, ladder: Ladder, at: datetime
) -> Strike:
    """The strike a VIOLATING decision issues at `at`, living as long as the ladder says."""
    return Strike(
        strike_id=natural_id("strike", str(decision_id)),
        domain=policy.domain,
        policy_key=policy.key,
        policy_version=policy_version,
        points=points,
        decision_id=decision_id,
        case_id=case_id,
        issued_at=at,
        expires_at=at + ladder.strike_lifetime,
    )


def penalty_for(ladder: Ladder, strike: Strike, before: int, zero_tolerance: bool, at: datetime) -> Penalty | None:
    """The penalty of the rung a new strike reaches from `before` active points, if it newly reaches one with a
    penalty; zero tolerance terminates."""
    penalty_id = _penalty_id(strike)
    if zero_tolerance:
        return Penalty(penalty_id, strike.domain, PenaltyKind.TERMINATION, 0, at, None, False, strike.strike_id)
    rung = ladder.rung_for(before + strike.points)
    if rung is None or rung.penalty is None or rung.points <= before:
        return None
    bound = rung.duration is None and rung.penalty is not PenaltyKind.TERMINATION
    ends_at = None if rung.duration is None else at + rung.duration
    return Penalty(
        penalty_id, strike.domain, rung.penalty, rung.points, at, ends_at, bound, strike.strike_id, rung.features,
        dsa_decision=rung.dsa_decision,
    )

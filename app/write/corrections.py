"""Correcting a decision outside any appeal, in one place for reverseDecision and for reverseBatch's undoing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.write.unit_of_work import UnitOfWork
from domain.account import Account
from domain.case import Case, Decision
from domain.correction import check_reversible, reverse_decision
from domain.standing import Strike
from domain.values import check_text


@dataclass(frozen=True)
class DecisionReversed:
    decision: Decision
    case: Case
    """The case as the reversal left it."""
    strike: Strike | None
    """The strike the decision counted, as the reversal left it."""
    position: int


@dataclass
class Corrections:
    work: UnitOfWork

    def reverse_decision(self, case_id: UUID, decision_id: UUID, rationale: str, actor: str) -> DecisionReversed:
        """Reverses a live VIOLATING decision: actions reversed, strike removed, penalties lifted, one transaction."""
        check_text(rationale, "rationale")

        def attempt() -> DecisionReversed:
            now = self.work.clock()
            case = self.work.decided_case(case_id, decision_id)
            account = self.work.account_of(case)
            decision = correct(
                case, account, decision_id, f"reversed by a reviewer: {rationale}",
                f"decision {decision_id} reversed: {rationale}", actor, now,
            )
            strike = None if account is None else account.strike_of(case, decision_id)
            return DecisionReversed(decision, case, strike, self.work.store(case, account))

        return self.work.retrying(attempt)


def correct(
    case: Case, account: Account | None, decision_id: UUID, reason: str, strike_reason: str, actor: str, at: datetime
) -> Decision:
    """Reverses a live VIOLATING decision of the case, its strike on the case's `account` with it; a NotFoundError or
    a ConflictError, changing nothing, when the decision is not one."""
    decision = check_reversible(case, decision_id)
    reverse_decision(case, account, decision_id, reason, strike_reason, actor, at)
    return decision

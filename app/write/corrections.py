"""The ledger's corrections: a reviewer reverses a decision outside any appeal, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from app.write.unit_of_work import UnitOfWork
from domain.case import Decision
from domain.correction import check_reversible, reverse_decision
from domain.values import check_text


@dataclass(frozen=True)
class DecisionReversed:
    decision: Decision
    case_id: UUID
    position: int


@dataclass
class Corrections:
    work: UnitOfWork

    def reverse_decision(self, case_id: UUID, decision_id: UUID, rationale: str, actor: str) -> DecisionReversed:
        """Reverses a live VIOLATING decision: actions reversed, strike removed, penalties lifted, in one transaction."""
        check_text(rationale, "rationale")

        def attempt() -> DecisionReversed:
            now = self.work.clock()
            case = self.work.decided_case(case_id, decision_id)
            decision = check_reversible(case, decision_id)
            account = self.work.account_of(case)
            reverse_decision(
                case, account, decision_id, f"reversed by a reviewer: {rationale}",
                f"decision {decision_id} reversed: {rationale}", actor, now,
            )
            return DecisionReversed(decision, case.id, self.work.store(case, account))

        return self.work.retrying(attempt)

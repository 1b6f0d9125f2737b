"""The ledger's corrections: a reviewer reverses a decision outside any appeal, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.account import Account
from domain.base import Clock, DocketAggregate
from domain.case import Case, Decision
from domain.correction import check_reversible, reverse_decision
from domain.errors import no_such_decision
from domain.values import check_text


@dataclass(frozen=True)
class DecisionReversed:
    decision: Decision
    case_id: UUID
    position: int


def undo(
    find: Callable[..., Any], case: Case, decision_id: UUID, reason: str, strike_reason: str, actor: str, at: datetime
) -> list[DocketAggregate]:
    """Reverses a decision's actions and removes its strike; returns the aggregates to store together."""
    account = None if case.account_id is None else find(Account, Account.create_id(case.account_id))
    reverse_decision(case, account, decision_id, reason, strike_reason, actor, at)
    return [case] if account is None else [case, account]


class CorrectionCommands:
    """Mixed into the Ledger: it supplies the clock, and loading, saving and retrying."""

    clock: Clock
    _find: Any
    _store: Callable[..., int]
    _retrying: Any

    def reverse_decision(self, case_id: UUID, decision_id: UUID, rationale: str, actor: str) -> DecisionReversed:
        """Reverses a live VIOLATING decision: actions reversed, strike removed, penalties lifted, in one transaction."""
        check_text(rationale, "rationale")

        def attempt() -> DecisionReversed:
            now = self.clock()
            case = self._find(Case, case_id)
            if case is None:
                raise no_such_decision(decision_id)
            decision = check_reversible(case, decision_id)
            changed = undo(
                self._find, case, decision_id, f"reversed by a reviewer: {rationale}",
                f"decision {decision_id} reversed: {rationale}", actor, now,
            )
            return DecisionReversed(decision, case.id, self._store(*changed))

        result: DecisionReversed = self._retrying(attempt)
        return result

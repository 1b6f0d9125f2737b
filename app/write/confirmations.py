"""Closing the loop: a platform system confirms that it applied, or undid, an action of a decision."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from app.write.unit_of_work import UnitOfWork
from domain.case import Case
from domain.confirmation import Confirmation, Obligation


@dataclass(frozen=True)
class ActionConfirmed:
    case: Case
    """The case as the confirmation left it."""
    obligation: Obligation
    position: int
    created: bool
    """False for a retry, which recorded nothing."""


@dataclass
class Confirmations:
    work: UnitOfWork

    def confirm_action(self, case_id: UUID, confirmation: Confirmation, actor: str) -> ActionConfirmed:
        """Records the confirmation on the decision's case, once per decision, action, system and direction."""
        confirmation.validate()

        def attempt() -> ActionConfirmed:
            case = self.work.decided_case(case_id, confirmation.decision_id)
            obligation, created = case.confirm(confirmation, actor, self.work.clock())
            return ActionConfirmed(case, obligation, self.work.store(case), created)

        return self.work.retrying(attempt)

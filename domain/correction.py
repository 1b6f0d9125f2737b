"""Undoing a decision: its actions reversed and its strike removed together, whoever asks (appeal, reviewer, batch)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.account import Account
from domain.case import Case, Decision
from domain.errors import ConflictError, NotFoundError
from domain.values import Outcome


def check_reversible(case: Case, decision_id: UUID) -> Decision:
    """The decision, if a correction can undo it: live, and VIOLATING (a clearance has nothing to undo)."""
    decision = case.decisions.get(decision_id)
    if decision is None:
        raise NotFoundError(f"no decision {decision_id}")
    if decision_id in case.reversed:
        raise ConflictError(f"decision {decision_id} was already reversed at {case.reversed[decision_id].isoformat()}")
    if decision.outcome is not Outcome.VIOLATING:
        raise ConflictError(f"decision {decision_id} is NOT_VIOLATING: it has no actions or strike to reverse")
    return decision


def reverse_decision(
    case: Case, account: Account | None, decision_id: UUID, reason: str, strike_reason: str, actor: str, at: datetime
) -> Decision:
    """Reverses a live decision's actions and removes the strike its case counts under the policy.

    `account` is the case's account; removing the strike lifts the penalties that no longer follow.
    The caller saves the case and the account in one transaction.
    """
    decision = case.reverse_actions(decision_id, reason, actor, at)
    if account is not None:
        # The case's live strike under the policy: a VIOLATING re-decision keeps the strike
        # its case already counted, issued for an earlier decision.
        strike = account.live_strike_for(case.id, decision.policy_key)
        if strike is not None:
            account.remove_strike(strike.strike_id, strike_reason, actor, at)
    return decision

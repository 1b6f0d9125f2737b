"""Rows of the action confirmations read model: one system's obligation about one action of one decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.case import Case
from domain.confirmation import Obligation
from domain.values import ActionType, Subject
from projections.values import maybe_utc, uuid_text


@dataclass(frozen=True)
class ConfirmationRow:
    obligation: Obligation
    case_id: str
    subject: Subject
    account_id: str | None
    policy_key: str


def obligation_columns(obligation: Obligation) -> dict[str, Any]:
    """The columns that follow from an obligation, its due time among them."""
    o = obligation
    return {
        "decision_id": uuid_text(o.decision_id), "action": str(o.action), "system": o.system,
        "within_minutes": o.within_minutes, "apply_by": o.apply_by, "reverse_by": o.reverse_by,
        "applied_at": o.applied_at, "applied_ref": o.applied_ref, "reversed_at": o.reversed_at,
        "reversal_ref": o.reversal_ref, "due_at": o.due_at,
    }


def obligation_of(row: dict[str, Any]) -> Obligation:
    return Obligation(
        decision_id=UUID(row["decision_id"]), action=ActionType(row["action"]), system=row["system"],
        within_minutes=row["within_minutes"], apply_by=maybe_utc(row["apply_by"]),
        reverse_by=maybe_utc(row["reverse_by"]), applied_at=maybe_utc(row["applied_at"]),
        applied_ref=row["applied_ref"], reversed_at=maybe_utc(row["reversed_at"]), reversal_ref=row["reversal_ref"],
    )


def confirmation_row(row: dict[str, Any]) -> ConfirmationRow:
    return ConfirmationRow(
        obligation=obligation_of(row), case_id=row["case_id"],
        subject=Subject(row["domain"], row["subject_kind"], row["subject_id"]), account_id=row["account_id"],
        policy_key=row["policy_key"],
    )


def confirmation_rows(case: Case, decision_id: UUID) -> list[ConfirmationRow]:
    """A decision's obligations as the read model will show them, from the case that holds them now."""
    decision = case.decisions[decision_id]
    return [
        ConfirmationRow(o, str(case.id), case.subject, case.decision_accounts[decision_id], decision.policy_key)
        for (d, _, _), o in case.obligations.items() if d == decision_id
    ]

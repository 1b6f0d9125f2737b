"""The action confirmations read model's tables."""

from __future__ import annotations

from projections.batch import Table

CONFIRMATIONS = Table(
    "action_confirmations",
    key=("decision_id", "action", "system"),
    columns=(
        "decision_id", "action", "system", "idx", "case_id", "domain", "subject_kind", "subject_id", "account_id",
        "policy_key", "within_minutes", "apply_by", "reverse_by", "applied_at", "applied_ref", "reversed_at",
        "reversal_ref", "due_at", "position",
    ),
    times=("apply_by", "reverse_by", "applied_at", "reversed_at", "due_at"),
)
CASES = Table(
    "confirmation_cases", key=("case_id",), columns=("case_id", "domain", "subject_kind", "subject_id", "account_id")
)

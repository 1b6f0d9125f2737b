"""Rows of the statements-of-reasons read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from projections.sor_submissions.rows import NOT_SENT, SubmissionRow


class StatementStatus(StrEnum):
    """Whether the decision a statement reports still stands, and if not, what ended it."""

    IN_FORCE = "IN_FORCE"
    SUPERSEDED = "SUPERSEDED"
    """A later decision on the same case and policy replaced it (and has its own statement if it restricts)."""
    REVERSED = "REVERSED"
    """A reviewer reversed it (reverseDecision, or a batch rolled back)."""
    OVERTURNED = "OVERTURNED"
    """An appeal overturned it."""


@dataclass(frozen=True)
class StatementRow:
    decision_id: str
    puid: str
    domain: str
    policy_key: str
    case_id: str
    account_id: str | None
    decided_at: datetime
    status: StatementStatus
    corrected_at: datetime | None
    statement: dict[str, Any]
    """The statement as the DSA Transparency Database's API takes it."""
    position: int
    """The ledger position of the decision."""
    submission: SubmissionRow = NOT_SENT
    """What the DSA Transparency Database was sent of it and answered."""

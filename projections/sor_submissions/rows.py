"""Rows of the submissions read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.submission import SubmissionStatus


@dataclass(frozen=True)
class SubmissionRow:
    """What the DSA Transparency Database was sent of a statement and what it answered."""

    status: SubmissionStatus
    requests: int
    """Requests that carried it."""
    database_uuid: str | None
    """The database's uuid of the statement, when it said."""
    reason: str | None
    """Why the database refused it, or did not store it the last time."""
    submitted_at: datetime | None


NOT_SENT = SubmissionRow(SubmissionStatus.PENDING, 0, None, None, None)

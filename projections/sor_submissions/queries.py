"""Reads of submissions, joined to the statements they are of (`s`, the statements_of_reasons table)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from domain.submission import SubmissionStatus
from projections.sor_submissions.rows import NOT_SENT, SubmissionRow
from projections.sql import in_clause
from projections.values import maybe_utc

COLUMNS = "u.status, u.requests, u.database_uuid, u.reason, u.submitted_at"
JOIN = " LEFT JOIN sor_submissions u ON u.puid = s.puid"


def status_clause(statuses: Collection[SubmissionStatus] | None) -> tuple[str, list[Any]]:
    """An ` AND ...` clause keeping the statements whose submission has one of `statuses` (never sent: PENDING)."""
    return in_clause(f"COALESCE(u.status, '{SubmissionStatus.PENDING}')", statuses)


def submission_of(values: tuple[Any, ...]) -> SubmissionRow:
    """The submission from the COLUMNS of a row; a statement never sent is PENDING."""
    status, requests, database_uuid, reason, submitted_at = values
    if status is None:
        return NOT_SENT
    return SubmissionRow(SubmissionStatus(status), int(requests), database_uuid, reason, maybe_utc(submitted_at))

"""Keeps every batch's progress: counts and status as chunks commit, and each subject's outcome."""

from __future__ import annotations

from collections import Counter
from typing import Any

from domain.batch import Batch, BatchStatus, SubjectResult, SubjectStatus
from projections.base import EventAtATime, started
from projections.batch_progress.rows import batch_row
from projections.sql import Sql
from projections.values import actions_json, text_id

ROWS_PER_INSERT = 200

_START = """
INSERT INTO batches (batch_id, domain, policy_key, outcome, actions, rationale, status, total, decided, skipped,
                     failed, reversed, kept, started_at, started_by, updated_at, position)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_SUBJECTS = """
INSERT INTO batch_subjects (batch_id, idx, subject_kind, subject_id, account_id, status, position) VALUES {values}
"""
_RESULT = (
    "UPDATE batch_subjects SET status = ?, decision_id = ?, reason = ?, position = ? WHERE batch_id = ? AND idx = ?"
)
_COUNT = """
UPDATE batches SET decided = decided + ?, skipped = skipped + ?, failed = failed + ?, reversed = reversed + ?,
    kept = kept + ?, updated_at = ?, position = ?
WHERE batch_id = ?
"""


class BatchProgressProjection(EventAtATime):
    name = "batch_progress"
    tables = ("batches", "batch_subjects")
    event_types = (
        Batch.Started, Batch.SubjectsDecided, Batch.Completed, Batch.ReversalStarted, Batch.SubjectsReversed,
        Batch.Reversed,
    )

    def apply(self, event: Any, position: int, sql: Sql) -> None:
        batch_id = str(event.originator_id)
        if isinstance(event, Batch.Started):
            _start(event, batch_id, position, sql)
        elif isinstance(event, (Batch.SubjectsDecided, Batch.SubjectsReversed)):
            _record(event.results, event, batch_id, position, sql)
        elif isinstance(event, Batch.Completed):
            _status(sql, BatchStatus.COMPLETED, "completed_at = ?", (event.occurred_at,), event, batch_id, position)
        elif isinstance(event, Batch.ReversalStarted):
            _status(
                sql, BatchStatus.REVERSING, "reversal_rationale = ?, reversal_started_at = ?, reversed_by = ?",
                (event.rationale, event.occurred_at, event.actor), event, batch_id, position,
            )
        elif isinstance(event, Batch.Reversed):
            _status(sql, BatchStatus.REVERSED, "reversed_at = ?", (event.occurred_at,), event, batch_id, position)


def _start(event: Batch.Started, batch_id: str, position: int, sql: Sql) -> None:
    subjects = list(event.subjects)
    row = batch_row(started(Batch, event), position)
    sql.execute(
        _START,
        (
            row.batch_id, row.domain, row.policy_key, row.outcome, actions_json(row.actions), row.rationale, row.status,
            row.total, row.decided, row.skipped, row.failed, row.reversed, row.kept, row.started_at, row.started_by,
            row.updated_at, row.position,
        ),
    )
    for start in range(0, len(subjects), ROWS_PER_INSERT):
        chunk = subjects[start:start + ROWS_PER_INSERT]
        params: list[Any] = []
        for index, item in enumerate(chunk, start):
            params += [batch_id, index, item.subject.kind, item.subject.id, item.account_id, "PENDING", position]
        sql.execute(_SUBJECTS.format(values=", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk))), params)


def _record(results: tuple[SubjectResult, ...], event: Any, batch_id: str, position: int, sql: Sql) -> None:
    for r in results:
        sql.execute(_RESULT, (str(r.status), text_id(r.decision_id), r.reason, position, batch_id, r.index))
    # A reversal moves a subject on to REVERSED or KEPT; `decided` keeps counting what the batch decided.
    counts = Counter(r.status for r in results)
    statuses = (SubjectStatus.DECIDED, SubjectStatus.SKIPPED, SubjectStatus.FAILED, SubjectStatus.REVERSED,
                SubjectStatus.KEPT)
    sql.execute(_COUNT, (*(counts[s] for s in statuses), event.occurred_at, position, batch_id))


def _status(
    sql: Sql, status: BatchStatus, columns: str, values: tuple[Any, ...], event: Any, batch_id: str, position: int
) -> None:
    sql.execute(
        f"UPDATE batches SET status = ?, {columns}, updated_at = ?, position = ? WHERE batch_id = ?",
        (str(status), *values, event.occurred_at, position, batch_id),
    )

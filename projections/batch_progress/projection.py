"""Keeps every batch's progress: counts and status as chunks commit, and each subject's outcome."""

from __future__ import annotations

from collections import Counter
from typing import Any

from domain.batch import Batch, BatchStatus, SubjectStatus
from projections.base import Projection, started
from projections.batch import Batch as Events
from projections.batch import Row, Rows, Table, write_all
from projections.batch_progress.rows import batch_row
from projections.sql import Sql
from projections.values import actions_json, text_id

BATCHES = Table(
    "batches",
    key=("batch_id",),
    columns=(
        "batch_id", "domain", "policy_key", "outcome", "actions", "rationale", "status", "total", "decided", "skipped",
        "failed", "reversed", "kept", "started_at", "started_by", "completed_at", "reversal_rationale",
        "reversal_started_at", "reversed_by", "reversed_at", "updated_at", "position",
    ),
    times=("started_at", "completed_at", "reversal_started_at", "reversed_at", "updated_at"),
)
SUBJECTS = Table(
    "batch_subjects",
    key=("batch_id", "idx"),
    columns=(
        "batch_id", "idx", "subject_kind", "subject_id", "account_id", "status", "decision_id", "reason", "position",
    ),
)

_COUNTED = {
    SubjectStatus.DECIDED: "decided", SubjectStatus.SKIPPED: "skipped", SubjectStatus.FAILED: "failed",
    SubjectStatus.REVERSED: "reversed", SubjectStatus.KEPT: "kept",
}
"""The batch's count of subjects each result status adds to: a reversal moves a subject on to REVERSED or KEPT,
and `decided` keeps counting what the batch decided."""

_RESULTS = (Batch.SubjectsDecided, Batch.SubjectsReversed)


class BatchProgressProjection(Projection):
    name = "batch_progress"
    tables = ("batches", "batch_subjects")
    event_types = (
        Batch.Started, Batch.SubjectsDecided, Batch.Completed, Batch.ReversalStarted, Batch.SubjectsReversed,
        Batch.Reversed,
    )

    def apply_batch(self, events: Events, sql: Sql) -> None:
        batches, subjects = BATCHES.rows(), SUBJECTS.rows()
        batches.fetch(sql, [(str(e.originator_id),) for _, e in events if not isinstance(e, Batch.Started)])
        subjects.fetch(sql, [(str(e.originator_id), r.index) for _, e in events if isinstance(e, _RESULTS)
                             for r in e.results])
        for position, event in events:
            batch_id = str(event.originator_id)
            if isinstance(event, Batch.Started):
                _start(batches, subjects, event, position)
                continue
            if isinstance(event, _RESULTS):
                for r in event.results:
                    subjects.update((batch_id, r.index), status=str(r.status), decision_id=text_id(r.decision_id),
                                    reason=r.reason, position=position)
            batch = batches.get((batch_id,))
            if batch is not None:
                batches.put(batch | _changes(event, batch) | {"updated_at": event.occurred_at, "position": position})
        write_all(sql, batches, subjects)


def _start(batches: Rows, subjects: Rows, event: Batch.Started, position: int) -> None:
    row = batch_row(started(Batch, event), position)
    batches.add({
        "batch_id": row.batch_id, "domain": row.domain, "policy_key": row.policy_key, "outcome": row.outcome,
        "actions": actions_json(row.actions), "rationale": row.rationale, "status": row.status, "total": row.total,
        "decided": row.decided, "skipped": row.skipped, "failed": row.failed, "reversed": row.reversed,
        "kept": row.kept, "started_at": row.started_at, "started_by": row.started_by, "completed_at": None,
        "reversal_rationale": None, "reversal_started_at": None, "reversed_by": None, "reversed_at": None,
        "updated_at": row.updated_at, "position": row.position,
    })
    for index, item in enumerate(event.subjects):
        subjects.add({
            "batch_id": row.batch_id, "idx": index, "subject_kind": item.subject.kind, "subject_id": item.subject.id,
            "account_id": item.account_id, "status": "PENDING", "decision_id": None, "reason": None,
            "position": position,
        })


def _changes(event: Any, batch: Row) -> Row:
    """What a later event of the batch changes in its row, besides when and at what position."""
    if isinstance(event, _RESULTS):
        counts = Counter(r.status for r in event.results)
        return {column: batch[column] + counts[status] for status, column in _COUNTED.items()}
    if isinstance(event, Batch.Completed):
        return {"status": str(BatchStatus.COMPLETED), "completed_at": event.occurred_at}
    if isinstance(event, Batch.ReversalStarted):
        return {
            "status": str(BatchStatus.REVERSING), "reversal_rationale": event.rationale,
            "reversal_started_at": event.occurred_at, "reversed_by": event.actor,
        }
    assert isinstance(event, Batch.Reversed)
    return {"status": str(BatchStatus.REVERSED), "reversed_at": event.occurred_at}

"""Reads of batch progress: one batch, its subjects page by page, and the batches left unfinished."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from domain.values import Subject
from projections.batch_progress.rows import BatchRow, BatchSubjectRow
from projections.sql import Sql, Steps, first, query
from projections.values import actions_from, maybe_utc, utc

_COLUMNS = """batch_id, domain, policy_key, outcome, actions, rationale, status, total, decided, skipped, failed,
reversed, kept, started_at, started_by, completed_at, reversal_rationale, reversal_started_at, reversed_by,
reversed_at, updated_at, position"""


@query
def find_batch(batch_id: str, domains: Collection[str] | None = None) -> Steps[BatchRow | None]:
    """One batch; None when unknown or outside `domains` (None: every domain)."""
    row = first((yield f"SELECT {_COLUMNS} FROM batches WHERE batch_id = ?", (batch_id,)))
    if row is None or (domains is not None and row[1] not in domains):
        return None
    return _batch(row)


@query
def batch_subjects(batch_id: str, status: str | None, after: int, limit: int) -> Steps[list[BatchSubjectRow]]:
    """A batch's subjects in batch order after index `after`, of one status or all."""
    statement = (
        "SELECT b.domain, s.idx, s.subject_kind, s.subject_id, s.account_id, s.status, s.decision_id, s.reason "
        "FROM batch_subjects s JOIN batches b ON b.batch_id = s.batch_id WHERE s.batch_id = ? AND s.idx > ?"
    )
    params: list[Any] = [batch_id, after]
    if status is not None:
        statement += " AND s.status = ?"
        params.append(status)
    rows = yield statement + " ORDER BY s.idx LIMIT ?", (*params, limit)
    return [
        BatchSubjectRow(index=r[1], subject=Subject(r[0], r[2], r[3]), account_id=r[4], status=r[5],
                        decision_id=r[6], reason=r[7])
        for r in rows
    ]


def unfinished_batches(sql: Sql, idle_since: datetime) -> list[str]:
    """Batches still deciding or undoing whose last progress is no later than `idle_since`, oldest first."""
    sql.execute(
        "SELECT batch_id FROM batches WHERE status IN ('RUNNING', 'REVERSING') AND updated_at <= ? "
        "ORDER BY updated_at, batch_id",
        (idle_since,),
    )
    return [r[0] for r in sql.fetchall()]


def _batch(r: tuple[Any, ...]) -> BatchRow:
    return BatchRow(
        batch_id=r[0], domain=r[1], policy_key=r[2], outcome=r[3], actions=actions_from(r[4]), rationale=r[5],
        status=r[6], total=r[7], decided=r[8], skipped=r[9], failed=r[10], reversed=r[11], kept=r[12],
        started_at=utc(r[13]), started_by=r[14], completed_at=maybe_utc(r[15]), reversal_rationale=r[16],
        reversal_started_at=maybe_utc(r[17]), reversed_by=r[18], reversed_at=maybe_utc(r[19]),
        updated_at=utc(r[20]), position=r[21],
    )

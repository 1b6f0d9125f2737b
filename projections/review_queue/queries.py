"""Reads of the review queue, in priority order, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.values import Subject
from projections.review_queue.rows import QueueEntryRow, QueueKey
from projections.sql import Steps, in_clause, query
from projections.values import utc

ENTRY_COLUMNS = """case_id, domain, subject_kind, subject_id, account_id, policy_key, severity, severity_rank,
max_confidence, detections, oldest_detected_at, enqueued_at, position, reports, reporter_rank, queue, priority,
escalated"""
_ORDER = "severity_rank DESC, max_confidence DESC, oldest_detected_at, case_id, policy_key"
_AFTER = """(severity_rank < ? OR (severity_rank = ? AND (max_confidence < ? OR (max_confidence = ? AND (
    oldest_detected_at > ? OR (oldest_detected_at = ? AND (case_id > ? OR (case_id = ? AND policy_key > ?))))))))"""


@query
def review_queue(domains: Sequence[str] | None, policy_key: str | None, after: QueueKey | None, limit: int
) -> Steps[list[QueueEntryRow]]:
    """Entries in priority order: most severe policy first, then highest confidence, then the longest waiting.

    Ties fall to the case id and policy key, so the order is total and a page starts exactly after
    the entry `after` names, wherever that entry has since moved or gone.
    """
    within, params = in_clause("domain", domains)
    conditions = [f"policy_retired = ?{within}"]
    params = [False, *params]
    if policy_key is not None:
        conditions.append("policy_key = ?")
        params.append(policy_key)
    if after is not None:
        conditions.append(_AFTER)
        k = after
        params += [
            k.severity_rank, k.severity_rank, k.max_confidence, k.max_confidence, k.oldest_detected_at,
            k.oldest_detected_at, k.case_id, k.case_id, k.policy_key,
        ]
    rows = yield (
        f"SELECT {ENTRY_COLUMNS} FROM review_queue WHERE {' AND '.join(conditions)} ORDER BY {_ORDER} LIMIT ?",
        (*params, limit),
    )
    return [entry_row(r) for r in rows]


def entry_row(r: tuple[Any, ...]) -> QueueEntryRow:
    return QueueEntryRow(
        case_id=r[0], subject=Subject(r[1], r[2], r[3]), account_id=r[4], policy_key=r[5], severity=r[6],
        severity_rank=int(r[7]), max_confidence=float(r[8]), detections=int(r[9]), oldest_detected_at=utc(r[10]),
        enqueued_at=utc(r[11]), position=int(r[12]), reports=int(r[13]), reporter_rank=int(r[14]), queue=r[15],
        priority=int(r[16]), escalated=bool(r[17]),
    )

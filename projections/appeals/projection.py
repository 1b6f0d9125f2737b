"""Keeps every appeal and its resolution."""

from __future__ import annotations

from typing import Any

from domain.appeal import Appeal
from projections.appeals.rows import appeal_row
from projections.base import Projection, started
from projections.sql import Sql

_FILE = """
INSERT INTO appeals (appeal_id, decision_id, case_id, domain, subject_kind, subject_id, account_id, policy_key,
                     statement, status, filed_at, filed_by, window_ends_at, decided_by, filed_position, position)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_RESOLVE = """
UPDATE appeals SET status = ?, resolved_at = ?, resolved_by = ?, rationale = ?, position = ? WHERE appeal_id = ?
"""


class AppealsProjection(Projection):
    name = "appeals"
    tables = ("appeals",)
    event_types = (Appeal.Filed, Appeal.Upheld, Appeal.Overturned)

    def apply(self, event: Any, position: int, sql: Sql) -> None:
        appeal_id = str(event.originator_id)
        if isinstance(event, Appeal.Filed):
            row = appeal_row(started(Appeal, event), position)
            s = row.subject
            sql.execute(
                _FILE,
                (
                    row.appeal_id, row.decision_id, row.case_id, s.domain, s.kind, s.id, row.account_id,
                    row.policy_key, row.statement, row.status, row.filed_at, row.filed_by, row.window_ends_at,
                    row.decided_by, row.filed_position, row.position,
                ),
            )
        else:
            status = "UPHELD" if isinstance(event, Appeal.Upheld) else "OVERTURNED"
            sql.execute(_RESOLVE, (status, event.occurred_at, event.actor, event.rationale, position, appeal_id))

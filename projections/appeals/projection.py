"""Keeps every appeal and its resolution."""

from __future__ import annotations

from typing import Any

from domain.appeal import Appeal
from projections.base import Projection
from projections.sql import Sql

_FILE = """
INSERT INTO appeals (appeal_id, decision_id, case_id, domain, subject_kind, subject_id, account_id, policy_key,
                     statement, status, filed_at, filed_by, window_ends_at, decided_by, filed_position, position)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?)
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
            s = event.subject
            sql.execute(
                _FILE,
                (
                    appeal_id, str(event.decision_id), str(event.case_id), s.domain, s.kind, s.id, event.account_id,
                    event.policy_key, event.statement, event.occurred_at, event.actor, event.window_ends_at,
                    event.decided_by, position, position,
                ),
            )
        else:
            status = "UPHELD" if isinstance(event, Appeal.Upheld) else "OVERTURNED"
            sql.execute(_RESOLVE, (status, event.occurred_at, event.actor, event.rationale, position, appeal_id))

"""Keeps every appeal and its resolution."""

from __future__ import annotations

from domain.account_data import AccountData
from domain.appeal import Appeal
from projections.appeals.rows import appeal_row
from projections.base import Projection, started
from projections.batch import Batch, Table
from projections.erasure import blank, erased_accounts
from projections.sql import Sql

APPEALS = Table(
    "appeals",
    key=("appeal_id",),
    columns=(
        "appeal_id", "decision_id", "case_id", "domain", "subject_kind", "subject_id", "account_id", "policy_key",
        "statement", "status", "filed_at", "filed_by", "window_ends_at", "decided_by", "resolved_at", "resolved_by",
        "rationale", "filed_position", "position",
    ),
    times=("filed_at", "window_ends_at", "resolved_at"),
)


class AppealsProjection(Projection):
    name = "appeals"
    tables = ("appeals",)
    event_types = (Appeal.Filed, Appeal.Upheld, Appeal.Overturned, AccountData.Erased)

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        erased = erased_accounts(events)
        if erased:
            events = [(p, e) for p, e in events if not isinstance(e, AccountData.Erased)]
        appeals = APPEALS.rows()
        appeals.fetch(sql, [(str(e.originator_id),) for _, e in events if not isinstance(e, Appeal.Filed)])
        for position, event in events:
            if isinstance(event, Appeal.Filed):
                row = appeal_row(started(Appeal, event), position)
                s = row.subject
                appeals.add({
                    "appeal_id": row.appeal_id, "decision_id": row.decision_id, "case_id": row.case_id,
                    "domain": s.domain, "subject_kind": s.kind, "subject_id": s.id, "account_id": row.account_id,
                    "policy_key": row.policy_key, "statement": row.statement, "status": row.status,
                    "filed_at": row.filed_at, "filed_by": row.filed_by, "window_ends_at": row.window_ends_at,
                    "decided_by": row.decided_by, "resolved_at": None, "resolved_by": None, "rationale": None,
                    "filed_position": row.filed_position, "position": row.position,
                })
                continue
            appeal = appeals.get((str(event.originator_id),))
            assert appeal is not None, f"appeal {event.originator_id} was resolved before it was filed"
            appeals.put(appeal | {
                "status": "UPHELD" if isinstance(event, Appeal.Upheld) else "OVERTURNED",
                "resolved_at": event.occurred_at, "resolved_by": event.actor, "rationale": event.rationale,
                "position": position,
            })
        appeals.write(sql)
        blank(sql, "appeals", "statement", erased)

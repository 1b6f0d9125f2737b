"""Keeps each statement's submission as its events leave it: sent, answered, sent again."""

from __future__ import annotations

from domain.submission import StatementSubmission, SubmissionStatus
from projections.base import Projection
from projections.batch import Batch, Table
from projections.sql import Sql

SUBMISSIONS = Table(
    "sor_submissions",
    key=("submission_id",),
    columns=("submission_id", "puid", "decision_id", "domain", "status", "requests", "database_uuid", "reason",
             "sent_at", "submitted_at", "position"),
    times=("sent_at", "submitted_at"),
)

_S = StatementSubmission
_STATUS = {
    _S.Resent: SubmissionStatus.SENDING, _S.Accepted: SubmissionStatus.SUBMITTED,
    _S.FoundStored: SubmissionStatus.SUBMITTED, _S.Rejected: SubmissionStatus.REJECTED,
    _S.Failed: SubmissionStatus.PENDING,
}


class SorSubmissionsProjection(Projection):
    name = "sor_submissions"
    tables = ("sor_submissions",)
    event_types = (_S.Sent, _S.Resent, _S.Accepted, _S.FoundStored, _S.Rejected, _S.Failed)

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        submissions = SUBMISSIONS.rows()
        submissions.fetch(sql, [(str(e.originator_id),) for _, e in events if not isinstance(e, _S.Sent)])
        for position, event in events:
            key = (str(event.originator_id),)
            if isinstance(event, _S.Sent):
                submissions.add({
                    "submission_id": key[0], "puid": event.puid, "decision_id": str(event.decision_id),
                    "domain": event.domain, "status": SubmissionStatus.SENDING, "requests": 1, "database_uuid": None,
                    "reason": None, "sent_at": event.occurred_at, "submitted_at": None, "position": position,
                })
                continue
            row = submissions.get(key)
            assert row is not None, f"submission {key[0]} was answered before it was sent"
            changed = row | {"status": _STATUS[type(event)], "position": position}
            if isinstance(event, _S.Resent):
                changed |= {"requests": row["requests"] + 1, "sent_at": event.occurred_at}
            elif isinstance(event, _S.Accepted | _S.FoundStored):
                changed |= {"database_uuid": event.database_uuid, "reason": None, "submitted_at": event.occurred_at}
            elif isinstance(event, _S.Rejected | _S.Failed):
                changed |= {"reason": event.reason}
            submissions.put(changed)
        submissions.write(sql)

"""A statement of reasons' submission to the DSA Transparency Database, keyed by the statement's puid.

The database takes a puid once, for ever, and keeps no submission state for a platform: Docket keeps it here. A
statement is sent (`Sent`, then `Resent` for every later request that carries it) and each answer about it is
recorded: the database stored it (`Accepted`, with its uuid), had it already (`FoundStored`: a duplicate puid, or the
existing-puid check), refused it (`Rejected`, with the reason), or did not store it (`Failed`: sent again later).
A statement sent and not answered (the connection dropped, the process died) stays `SENDING`: whether the database
has it is asked before it is sent again, so nothing is stored twice and nothing is skipped.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.errors import ConflictError
from domain.values import check_identifier, check_text

MAX_REASON = 2_000


class SubmissionStatus(StrEnum):
    PENDING = "PENDING"
    """Not sent yet, or sent and not stored (the database failed, or was not reached): to be sent."""
    SENDING = "SENDING"
    """Sent and not answered yet: the database may have it."""
    SUBMITTED = "SUBMITTED"
    """The database has it."""
    REJECTED = "REJECTED"
    """The database refused it, for the reason recorded; sent again only when asked to."""


class StatementSubmission(DocketAggregate):
    """What the database was sent of one statement and what it answered; a statement it has is never sent again."""

    if TYPE_CHECKING:
        puid: str
        decision_id: UUID
        domain: str
        status: SubmissionStatus
        requests: int
        """Requests that carried the statement."""
        database_uuid: str | None
        reason: str | None
        submitted_at: datetime | None

    @staticmethod
    def create_id(puid: str) -> UUID:
        return natural_id("sor-submission", puid)

    class Sent(DocketAggregate.Created):
        puid: str
        decision_id: UUID
        domain: str
        request_id: UUID
        """The request (one batch of up to 100 statements) that carried it."""

        def apply(self, submission: StatementSubmission) -> None:
            submission.puid = self.puid
            submission.decision_id = self.decision_id
            submission.domain = self.domain
            submission.status = SubmissionStatus.SENDING
            submission.requests = 1
            submission.database_uuid = None
            submission.reason = None
            submission.submitted_at = None

    class Resent(DocketAggregate.Event):
        request_id: UUID

        def apply(self, submission: StatementSubmission) -> None:
            submission.status = SubmissionStatus.SENDING
            submission.requests += 1

    class Accepted(DocketAggregate.Event):
        request_id: UUID
        database_uuid: str | None

        def apply(self, submission: StatementSubmission) -> None:
            submission.stored(self.database_uuid, self.occurred_at)

    class FoundStored(DocketAggregate.Event):
        """The database already had the puid: an earlier request stored it although its answer was lost."""

        database_uuid: str | None

        def apply(self, submission: StatementSubmission) -> None:
            submission.stored(self.database_uuid, self.occurred_at)

    class Rejected(DocketAggregate.Event):
        request_id: UUID
        reason: str

        def apply(self, submission: StatementSubmission) -> None:
            submission.status = SubmissionStatus.REJECTED
            submission.reason = self.reason

    class Failed(DocketAggregate.Event):
        """The database did not store it (it answered neither 201 nor why the statement is wrong)."""

        request_id: UUID
        reason: str

        def apply(self, submission: StatementSubmission) -> None:
            submission.status = SubmissionStatus.PENDING
            submission.reason = self.reason

    @classmethod
    def send(
        cls, puid: str, decision_id: UUID, domain: str, request_id: UUID, actor: str, at: datetime
    ) -> StatementSubmission:
        """The statement's first request."""
        check_identifier(puid, "puid")
        return cls._start(cls.Sent, cls.create_id(puid), actor, at, puid=puid, decision_id=decision_id,
                          domain=domain, request_id=request_id)

    def resend(self, request_id: UUID, actor: str, at: datetime) -> None:
        """A later request carries the statement; never one the database has."""
        if self.status is SubmissionStatus.SUBMITTED:
            raise ConflictError(f"statement {self.puid} is in the database already; it is never sent twice")
        self._record(self.Resent, actor, at, request_id=request_id)

    def accepted(self, request_id: UUID, database_uuid: str | None, actor: str, at: datetime) -> bool:
        """The database stored it; False, recording nothing, when no request of it awaits an answer."""
        return self._answered(self.Accepted, actor, at, request_id=request_id, database_uuid=database_uuid)

    def found_stored(self, database_uuid: str | None, actor: str, at: datetime) -> bool:
        """The database has the puid already."""
        if self.status is SubmissionStatus.SUBMITTED:
            return False
        self._record(self.FoundStored, actor, at, database_uuid=database_uuid)
        return True

    def rejected(self, request_id: UUID, reason: str, actor: str, at: datetime) -> bool:
        """The database refused it, saying why."""
        return self._answered(self.Rejected, actor, at, request_id=request_id,
                              reason=check_text(reason, "reason", MAX_REASON))

    def failed(self, request_id: UUID, reason: str, actor: str, at: datetime) -> bool:
        """The database answered that it did not store it: it is to be sent again."""
        return self._answered(self.Failed, actor, at, request_id=request_id,
                              reason=check_text(reason, "reason", MAX_REASON))

    def _answered(self, event_class: type[DocketAggregate.Event], actor: str, at: datetime, **attrs: object) -> bool:
        """An answer counts only while a request awaits one: a retried recording records nothing."""
        if self.status is not SubmissionStatus.SENDING:
            return False
        self._record(event_class, actor, at, **attrs)
        return True

    def stored(self, database_uuid: str | None, at: datetime) -> None:
        """The database holds the statement (under `database_uuid`, when it said), since `at`."""
        self.status = SubmissionStatus.SUBMITTED
        self.database_uuid = database_uuid
        self.reason = None
        self.submitted_at = at

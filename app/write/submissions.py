"""Recording statements of reasons' submissions: which request carried them and what the database answered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from app.write.unit_of_work import UnitOfWork
from domain.submission import MAX_REASON, StatementSubmission


@dataclass(frozen=True)
class Carried:
    """A statement a request carries."""

    puid: str
    decision_id: UUID
    domain: str


class Answer(StrEnum):
    ACCEPTED = "ACCEPTED"
    FOUND_STORED = "FOUND_STORED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Outcome:
    """What the database answered about one statement."""

    puid: str
    answer: Answer
    request_id: UUID | None = None
    database_uuid: str | None = None
    reason: str | None = None


@dataclass
class Submissions:
    work: UnitOfWork

    def states(self, puids: Iterable[str]) -> dict[str, StatementSubmission]:
        """The submissions of those of `puids` ever sent, read together."""
        ids = {StatementSubmission.create_id(p): p for p in puids}
        found = self.work.load_all(StatementSubmission, list(ids))
        return {ids[i]: submission for i, submission in found.items()}

    def send(self, statements: list[Carried], request_id: UUID, actor: str) -> int:
        """Records, in one transaction, that request `request_id` carries `statements` (none in the database)."""

        def attempt() -> int:
            found = self.states(s.puid for s in statements)
            now = self.work.clock()
            sent = []
            for s in statements:
                submission = found.get(s.puid)
                if submission is None:
                    submission = StatementSubmission.send(s.puid, s.decision_id, s.domain, request_id, actor, now)
                else:
                    submission.resend(request_id, actor, now)
                sent.append(submission)
            return self.work.store(*sent)

        return self.work.retrying(attempt)

    def record(self, outcomes: list[Outcome], actor: str) -> int:
        """Records the answers in one transaction; an answer recorded already (a retry) records nothing again."""

        def attempt() -> int:
            found = self.states(o.puid for o in outcomes)
            now = self.work.clock()
            for o in outcomes:
                submission = found[o.puid]
                reason = _clip(o.reason or "no reason given")
                if o.answer is Answer.FOUND_STORED:
                    submission.found_stored(o.database_uuid, actor, now)
                    continue
                assert o.request_id is not None, f"{o.answer} names no request"
                if o.answer is Answer.ACCEPTED:
                    submission.accepted(o.request_id, o.database_uuid, actor, now)
                elif o.answer is Answer.REJECTED:
                    submission.rejected(o.request_id, reason, actor, now)
                else:
                    submission.failed(o.request_id, reason, actor, now)
            return self.work.store(*found.values())

        return self.work.retrying(attempt)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"

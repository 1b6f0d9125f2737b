"""Report: a notice (DSA Art. 16) that a subject breaks a policy, from a user, a trusted flagger or an authority."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.case import Case
from domain.errors import ConflictError
from domain.values import (
    Content,
    Outcome,
    Subject,
    check_identifier,
    check_name,
    check_text,
    parse_enum,
)

MAX_REPORT_TEXT = 5_000


class ReporterKind(StrEnum):
    USER = "USER"
    TRUSTED_FLAGGER = "TRUSTED_FLAGGER"
    AUTHORITY = "AUTHORITY"

    @property
    def rank(self) -> int:
        """Higher is reviewed first: authorities, then trusted flaggers (DSA Art. 22), then users."""
        return {ReporterKind.USER: 0, ReporterKind.TRUSTED_FLAGGER: 1, ReporterKind.AUTHORITY: 2}[self]

    @property
    def dsa_source_type(self) -> str:
        """The DSA `source_type` of a decision its notice prompted."""
        return {ReporterKind.USER: "SOURCE_ARTICLE_16", ReporterKind.TRUSTED_FLAGGER: "SOURCE_TRUSTED_FLAGGER",
                ReporterKind.AUTHORITY: "SOURCE_TYPE_OTHER_NOTIFICATION"}[self]


class ReportStatus(StrEnum):
    OPEN = "OPEN"
    IN_REVIEW = "IN_REVIEW"
    CLOSED = "CLOSED"


@dataclass(frozen=True)
class Notice:
    """What a reporter says: which subject breaks which policy, and why."""

    subject: Subject
    account_id: str | None
    reporter_id: str
    reporter_kind: ReporterKind
    policy_key: str
    text: str
    content: Content | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "reporter_kind", parse_enum(ReporterKind, self.reporter_kind, "reporter.kind"))

    def validate(self) -> Notice:
        self.subject.validate()
        check_identifier(self.reporter_id, "reporter.id")
        check_name(self.policy_key, "policy")
        check_text(self.text, "text", MAX_REPORT_TEXT)
        if self.account_id is not None:
            check_identifier(self.account_id, "accountId")
        if self.content is not None:
            self.content.validate()
        return self


def told(outcome: Outcome, policy_key: str) -> str:
    """What the reporter is told of the decision on their notice."""
    if outcome is Outcome.VIOLATING:
        return f"We reviewed the content you reported and acted on it under our {policy_key} policy."
    return f"We reviewed the content you reported and found it does not break our {policy_key} policy."


class Report(DocketAggregate):
    """One notice; its id is the reporter and their idempotency key, so a retried submission finds it."""

    if TYPE_CHECKING:
        subject: Subject
        account_id: str | None
        text: str
        content: Content | None
        reporter_id: str
        reporter_kind: ReporterKind
        policy_key: str
        case_id: UUID
        outcome: Outcome | None
        closed_at: datetime | None
        decision_id: UUID | None
        submitted_at: datetime
        submitted_by: str
        told: str | None

    @staticmethod
    def create_id(reporter_id: str, idempotency_key: str) -> UUID:
        return natural_id("report", reporter_id, idempotency_key)

    class Submitted(DocketAggregate.Created):
        subject: Subject
        account_id: str | None
        reporter_id: str
        reporter_kind: str
        policy_key: str
        text: str
        content: Content | None
        case_id: UUID

        def apply(self, report: Report) -> None:
            report.subject = self.subject
            report.account_id = self.account_id
            report.text = self.text
            report.content = self.content
            report.reporter_id = self.reporter_id
            report.reporter_kind = ReporterKind(self.reporter_kind)
            report.policy_key = self.policy_key
            report.case_id = self.case_id
            report.outcome = None
            report.decision_id = None
            report.told = None
            report.submitted_at = self.occurred_at
            report.submitted_by = self.actor
            report.closed_at = None

    class Closed(DocketAggregate.Event):
        outcome: Outcome
        decision_id: UUID
        told: str

        def apply(self, report: Report) -> None:
            report.outcome = Outcome(self.outcome)
            report.decision_id = self.decision_id
            report.told = self.told
            report.closed_at = self.occurred_at

    @classmethod
    def submit(cls, notice: Notice, idempotency_key: str, actor: str, at: datetime) -> Report:
        notice.validate()
        check_identifier(idempotency_key, "idempotencyKey")
        return cls._start(
            cls.Submitted, cls.create_id(notice.reporter_id, idempotency_key), actor, at, subject=notice.subject,
            account_id=notice.account_id, reporter_id=notice.reporter_id, reporter_kind=str(notice.reporter_kind),
            policy_key=notice.policy_key, text=notice.text, content=notice.content,
            case_id=Case.create_id(notice.subject),
        )

    @property
    def closed(self) -> bool:
        return self.outcome is not None

    def close(self, outcome: Outcome, decision_id: UUID, actor: str, at: datetime) -> None:
        """Closes the notice with the outcome its reporter is told."""
        if self.closed:
            raise ConflictError(f"report {self.id} is already closed")
        notice = told(outcome, self.policy_key)
        self._record(self.Closed, actor, at, outcome=outcome, decision_id=decision_id, told=notice)

"""Report: a notice (DSA Art. 16) that a subject breaks a policy, from a user, a trusted flagger or an authority."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.case import Case
from domain.errors import ConflictError
from domain.values import Content, Outcome, Subject, check_identifier, check_name, check_text, parse_enum

MAX_REPORT_TEXT = 5_000


class ReporterKind(StrEnum):
    USER = "USER"
    TRUSTED_FLAGGER = "TRUSTED_FLAGGER"
    AUTHORITY = "AUTHORITY"

    @property
    def rank(self) -> int:
        """Higher is reviewed first: authorities, then trusted flaggers (DSA Art. 22), then users."""
        return {ReporterKind.USER: 0, ReporterKind.TRUSTED_FLAGGER: 1, ReporterKind.AUTHORITY: 2}[self]


class ReportStatus(StrEnum):
    OPEN = "OPEN"
    IN_REVIEW = "IN_REVIEW"
    CLOSED = "CLOSED"


def told(outcome: Outcome, policy_key: str) -> str:
    """What the reporter is told of the decision on their notice."""
    if outcome is Outcome.VIOLATING:
        return f"We reviewed the content you reported and acted on it under our {policy_key} policy."
    return f"We reviewed the content you reported and found it does not break our {policy_key} policy."


class Report(DocketAggregate):
    """One notice; its id is the reporter and their idempotency key, so a retried submission finds it."""

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

    class Closed(DocketAggregate.Event):
        outcome: Outcome
        decision_id: UUID
        told: str

        def apply(self, report: Report) -> None:
            report.outcome = Outcome(self.outcome)

    @classmethod
    def submit(
        cls,
        subject: Subject,
        account_id: str | None,
        reporter_id: str,
        reporter_kind: ReporterKind,
        policy_key: str,
        text: str,
        content: Content | None,
        idempotency_key: str,
        actor: str,
        at: datetime,
    ) -> Report:
        subject.validate()
        check_identifier(reporter_id, "reporter.id")
        check_identifier(idempotency_key, "idempotencyKey")
        check_name(policy_key, "policy")
        check_text(text, "text", MAX_REPORT_TEXT)
        if account_id is not None:
            check_identifier(account_id, "accountId")
        if content is not None:
            content.validate()
        return cls._start(
            cls.Submitted, cls.create_id(reporter_id, idempotency_key), actor, at, subject=subject,
            account_id=account_id, reporter_id=reporter_id, reporter_kind=str(parse_enum(ReporterKind, reporter_kind, "reporter.kind")),
            policy_key=policy_key, text=text, content=content, case_id=Case.create_id(subject),
        )

    @property
    def closed(self) -> bool:
        return self.outcome is not None

    def close(self, outcome: Outcome, decision_id: UUID, actor: str, at: datetime) -> None:
        """Closes the notice with the outcome its reporter is told."""
        if self.closed:
            raise ConflictError(f"report {self.id} is already closed")
        self._record(self.Closed, actor, at, outcome=outcome, decision_id=decision_id, told=told(outcome, self.policy_key))

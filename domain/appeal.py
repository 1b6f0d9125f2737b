"""Appeal: the affected party asks for a decision to be looked at again, once per decision."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.case import Case
from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.values import Outcome, Subject, check_text


class AppealOutcome(StrEnum):
    UPHOLD = "UPHOLD"
    OVERTURN = "OVERTURN"


class AppealStatus(StrEnum):
    PENDING = "PENDING"
    UPHELD = "UPHELD"
    OVERTURNED = "OVERTURNED"


class Appeal(DocketAggregate):
    """One appeal per VIOLATING decision, filed within the domain's window, resolved by someone else."""

    if TYPE_CHECKING:
        decision_id: UUID
        case_id: UUID
        decided_by: str
        idempotency_key: str | None
        status: AppealStatus
        subject: Subject
        account_id: str | None
        policy_key: str
        statement: str
        window_ends_at: datetime
        filed_at: datetime
        filed_by: str
        resolved_at: datetime | None
        resolved_by: str | None
        rationale: str | None

    @staticmethod
    def create_id(decision_id: UUID) -> UUID:
        return natural_id("appeal", str(decision_id))

    class Filed(DocketAggregate.Created):
        decision_id: UUID
        case_id: UUID
        subject: Subject
        account_id: str | None
        policy_key: str
        statement: str
        decided_by: str
        window_ends_at: datetime
        idempotency_key: str | None

        def apply(self, appeal: Appeal) -> None:
            appeal.decision_id = self.decision_id
            appeal.case_id = self.case_id
            appeal.subject = self.subject
            appeal.account_id = self.account_id
            appeal.policy_key = self.policy_key
            appeal.statement = self.statement
            appeal.decided_by = self.decided_by
            appeal.window_ends_at = self.window_ends_at
            appeal.idempotency_key = self.idempotency_key
            appeal.status = AppealStatus.PENDING
            appeal.filed_at = self.occurred_at
            appeal.filed_by = self.actor
            appeal.resolved_at = None
            appeal.resolved_by = None
            appeal.rationale = None

    class Upheld(DocketAggregate.Event):
        rationale: str

        def apply(self, appeal: Appeal) -> None:
            _resolved(appeal, AppealStatus.UPHELD, self)

    class Overturned(DocketAggregate.Event):
        rationale: str

        def apply(self, appeal: Appeal) -> None:
            _resolved(appeal, AppealStatus.OVERTURNED, self)

    @classmethod
    def file(
        cls,
        case: Case,
        decision_id: UUID,
        statement: str,
        window: timedelta,
        idempotency_key: str | None,
        actor: str,
        at: datetime,
    ) -> Appeal:
        decision = case.decisions.get(decision_id)
        if decision is None:
            raise NotFoundError(f"no decision {decision_id}")
        check_text(statement, "statement", 5000)
        if decision.outcome is not Outcome.VIOLATING:
            raise ValidationError("only a VIOLATING decision can be appealed", "decisionId")
        decided_by, decided_at = case.decided[decision_id]
        window_ends_at = decided_at + window
        if at > window_ends_at:
            raise ValidationError(
                f"the appeal window for this decision closed at {window_ends_at.isoformat()}", "decisionId"
            )
        if case.live.get(decision.policy_key) != decision_id:
            raise ConflictError(f"decision {decision_id} was superseded or reversed; appeal the live one")
        return cls._start(
            cls.Filed, cls.create_id(decision_id), actor, at, decision_id=decision_id, case_id=case.id,
            subject=case.subject, account_id=case.account_id, policy_key=decision.policy_key, statement=statement,
            decided_by=decided_by, window_ends_at=window_ends_at, idempotency_key=idempotency_key,
        )

    def resolve(self, outcome: AppealOutcome, rationale: str, actor: str, at: datetime) -> None:
        check_text(rationale, "rationale")
        if self.status is not AppealStatus.PENDING:
            raise ConflictError(f"appeal {self.id} was already resolved ({self.status})")
        if actor == self.decided_by:
            raise ConflictError("an appeal must be resolved by someone other than the original decider")
        event = self.Upheld if AppealOutcome(outcome) is AppealOutcome.UPHOLD else self.Overturned
        self._record(event, actor, at, rationale=rationale)


def _resolved(appeal: Appeal, status: AppealStatus, event: Appeal.Upheld | Appeal.Overturned) -> None:
    """Applies a resolution: its outcome, who resolved it, when and why."""
    appeal.status = status
    appeal.resolved_at = event.occurred_at
    appeal.resolved_by = event.actor
    appeal.rationale = event.rationale

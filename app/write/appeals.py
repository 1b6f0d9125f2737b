"""The ledger's appeal commands: file within the window, resolve by someone else, overturn atomically."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from app.write.quality import judge_overturn
from app.write.unit_of_work import UnitOfWork
from domain.appeal import Appeal, AppealOutcome, AppealStatus
from domain.correction import reverse_decision
from domain.errors import ConflictError, no_such_appeal


@dataclass(frozen=True)
class AppealFiled:
    appeal: Appeal
    position: int
    created: bool


@dataclass(frozen=True)
class AppealResolved:
    appeal: Appeal
    position: int


@dataclass
class Appeals:
    work: UnitOfWork

    def file_appeal(
        self, case_id: UUID, decision_id: UUID, statement: str, idempotency_key: str | None, actor: str
    ) -> AppealFiled:
        """Files the one appeal of a VIOLATING decision; the same idempotency key again returns it."""

        def attempt() -> AppealFiled:
            existing = self.work.find(Appeal, Appeal.create_id(decision_id))
            if existing is not None:
                if idempotency_key is not None and existing.idempotency_key == idempotency_key:
                    return AppealFiled(existing, self.work.head(), False)
                raise ConflictError(f"decision {decision_id} already has an appeal ({existing.id})")
            case = self.work.decided_case(case_id, decision_id)
            window = self.work.ladders(case.subject.domain).appeal_window
            appeal = Appeal.file(case, decision_id, statement, window, idempotency_key, actor, self.work.clock())
            return AppealFiled(appeal, self.work.store(appeal), True)

        return self.work.retrying(attempt)

    def resolve_appeal(self, appeal_id: UUID, outcome: AppealOutcome, rationale: str, actor: str) -> AppealResolved:
        """Upholds, or overturns in one transaction: actions reversed, strike removed, penalties lifted."""

        def attempt() -> AppealResolved:
            now = self.work.clock()
            appeal = self.get_appeal(appeal_id)
            appeal.resolve(outcome, rationale, actor, now)
            if appeal.status is not AppealStatus.OVERTURNED:
                return AppealResolved(appeal, self.work.store(appeal))
            case = self.work.decided_case(appeal.case_id, appeal.decision_id)
            account = self.work.account_of(case)
            reverse_decision(
                case, account, appeal.decision_id, f"appeal {appeal.id} overturned: {rationale}",
                f"appeal {appeal.id} overturned", actor, now,
            )
            judged = judge_overturn(self.work, case, appeal.decision_id, actor, now)
            return AppealResolved(appeal, self.work.store(appeal, case, account, *judged))

        return self.work.retrying(attempt)

    def get_appeal(self, appeal_id: UUID) -> Appeal:
        appeal = self.work.find(Appeal, appeal_id)
        if appeal is None:
            raise no_such_appeal(appeal_id)
        return appeal

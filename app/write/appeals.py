"""The ledger's appeal commands: file within the window, resolve by someone else, overturn atomically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from app.write.corrections import undo
from domain.appeal import Appeal, AppealOutcome, AppealStatus
from domain.base import Clock
from domain.case import Case
from domain.errors import ConflictError, no_such_appeal, no_such_decision
from domain.ladder import Ladder

T = TypeVar("T")


@dataclass(frozen=True)
class AppealFiled:
    appeal: Appeal
    position: int
    created: bool


@dataclass(frozen=True)
class AppealResolved:
    appeal: Appeal
    position: int


class AppealCommands:
    """Mixed into the Ledger: it supplies the clock, the ladders, and loading, saving and retrying."""

    clock: Clock
    ladders: Callable[[str], Ladder]
    _find: Any
    _store: Callable[..., int]
    _retrying: Any
    head: Callable[[], int]

    def file_appeal(
        self, case_id: UUID, decision_id: UUID, statement: str, idempotency_key: str | None, actor: str
    ) -> AppealFiled:
        """Files the one appeal of a VIOLATING decision; the same idempotency key again returns it."""

        def attempt() -> AppealFiled:
            existing = self._find(Appeal, Appeal.create_id(decision_id))
            if existing is not None:
                if idempotency_key is not None and existing.idempotency_key == idempotency_key:
                    return AppealFiled(existing, self.head(), False)
                raise ConflictError(f"decision {decision_id} already has an appeal ({existing.id})")
            case = self._find(Case, case_id)
            if case is None:
                raise no_such_decision(decision_id)
            window = self.ladders(case.subject.domain).appeal_window
            appeal = Appeal.file(case, decision_id, statement, window, idempotency_key, actor, self.clock())
            return AppealFiled(appeal, self._store(appeal), True)

        result: AppealFiled = self._retrying(attempt)
        return result

    def resolve_appeal(self, appeal_id: UUID, outcome: AppealOutcome, rationale: str, actor: str) -> AppealResolved:
        """Upholds, or overturns in one transaction: actions reversed, strike removed, penalties lifted."""

        def attempt() -> AppealResolved:
            now = self.clock()
            appeal = self.get_appeal(appeal_id)
            appeal.resolve(outcome, rationale, actor, now)
            changed: list[Any] = [appeal]
            if appeal.status is AppealStatus.OVERTURNED:
                case = self._find(Case, appeal.case_id)
                changed += undo(
                    self._find, case, appeal.decision_id, f"appeal {appeal.id} overturned: {rationale}",
                    f"appeal {appeal.id} overturned", actor, now,
                )
            return AppealResolved(appeal, self._store(*changed))

        result: AppealResolved = self._retrying(attempt)
        return result

    def get_appeal(self, appeal_id: UUID) -> Appeal:
        appeal = self._find(Appeal, appeal_id)
        if appeal is None:
            raise no_such_appeal(appeal_id)
        return appeal

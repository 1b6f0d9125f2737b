"""The ledger's decide command: a verdict on a subject under a policy, its strike and its reports in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from app.write.unit_of_work import UnitOfWork
from domain.account import Account
from domain.base import natural_id
from domain.case import Case, Decision, Verdict
from domain.detection import Detection
from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.report import Report
from domain.standing import Strike
from domain.values import Subject


@dataclass(frozen=True)
class DecisionMade:
    decision: Decision
    case_id: UUID
    strike: Strike | None
    position: int
    created: bool
    decided_by: str
    decided_at: datetime


@dataclass
class Decisions:
    work: UnitOfWork

    def decide(
        self,
        subject: Subject,
        policy_key: str,
        verdict: Verdict,
        detection_ids: list[UUID],
        account_id: str | None,
        actor: str,
        known_account: str | None = None,
        override_claims: bool = False,
    ) -> DecisionMade:
        """Decides a case under a policy; a VIOLATING decision strikes the account in the same transaction.

        The account struck is `account_id`, else the case's, else the detections' named, else
        `known_account`: the one the read models have seen for the subject. The decision closes the
        open reports under the policy with it. A case someone else has claimed is refused unless
        `override_claims` (an admin).
        """
        subject.validate()
        verdict.validate()
        case_id = Case.create_id(subject)
        decision_id = natural_id("decision", str(case_id), verdict.idempotency_key or str(uuid4()))
        return self.work.retrying(
            lambda: self._decide(
                subject, case_id, decision_id, policy_key, verdict, detection_ids, account_id, actor, known_account,
                override_claims,
            )
        )

    def _decide(
        self,
        subject: Subject,
        case_id: UUID,
        decision_id: UUID,
        policy_key: str,
        verdict: Verdict,
        detection_ids: list[UUID],
        account_id: str | None,
        actor: str,
        known_account: str | None,
        override_claims: bool = False,
    ) -> DecisionMade:
        now = self.work.clock()
        policy = self.work.get_policy(subject.domain, policy_key)
        detections = [self._get_detection(i) for i in dict.fromkeys(detection_ids)]
        case = self.work.find(Case, case_id)
        if case is not None and decision_id in case.decisions:
            return self._replayed(case, decision_id, policy_key, verdict)
        owner = _owner(account_id, case, detections) or known_account
        if case is None:
            case = Case.open(subject, owner, actor, now)
        case.check_not_held_by_another(actor, now, override_claims)
        reports = self._open_reports(case, policy_key)
        decision = case.decide(decision_id, policy, verdict, detections, owner, actor, now)
        close_reports(reports, decision, actor, now)
        account = None
        strike = None
        if owner is not None:
            account = self.work.find(Account, Account.create_id(owner)) or Account.register(owner, actor, now)
            strike = account.apply_decision(case_id, decision, policy, self.work.ladders(subject.domain), actor, now)
        position = self.work.store(case, *reports, account)
        return DecisionMade(decision, case_id, strike, position, True, *case.decided[decision.decision_id])

    def _replayed(self, case: Case, decision_id: UUID, policy_key: str, verdict: Verdict) -> DecisionMade:
        decision = case.decisions[decision_id]
        if decision.policy_key != policy_key or decision.outcome != verdict.outcome:
            raise ConflictError(
                f"idempotency key {verdict.idempotency_key!r} was already used for another decision on this subject"
            )
        account = self.work.account_of(case)
        strike = None
        if account is not None:
            strike = next((s for s in account.strikes.values() if s.decision_id == decision_id), None)
        return DecisionMade(decision, case.id, strike, self.work.head(), False, *case.decided[decision_id])

    def _get_detection(self, detection_id: UUID) -> Detection:
        detection = self.work.find(Detection, detection_id)
        if detection is None:
            raise NotFoundError(f"no detection {detection_id}")
        return detection

    def _open_reports(self, case: Case, policy_key: str) -> list[Report]:
        """The case's open reports under a policy: load them before deciding, close them with the decision."""
        loaded = self.work.load_many(case.open_reports_under(policy_key))
        return [report for report in loaded.values() if isinstance(report, Report)]


def _owner(account_id: str | None, case: Case | None, detections: Iterable[Detection]) -> str | None:
    """The account a decision strikes: the one named, else the case's, else the detections'."""
    if account_id is not None:
        if case is not None and case.account_id is not None and case.account_id != account_id:
            raise ValidationError(
                f"accountId {account_id!r} differs from the case's account {case.account_id!r}", "accountId"
            )
        return account_id
    if case is not None and case.account_id is not None:
        return case.account_id
    return next((d.facts.account_id for d in detections if d.facts.account_id is not None), None)


def close_reports(reports: list[Report], decision: Decision, actor: str, at: datetime) -> None:
    """Closes reports with the decision's outcome, in the transaction that saves the decision."""
    for report in reports:
        report.close(decision.outcome, decision.decision_id, actor, at)

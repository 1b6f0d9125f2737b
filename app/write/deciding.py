"""Deciding a subject under a policy, in one place for decide, dismissCase (a NOT_VIOLATING decide) and bulkDecide.

`Deciding` holds the steps every decision takes on the aggregates loaded for it: the case (opened
if new, refused if another reviewer holds it), the decision, the reports it closes, the strike
on the account (registered if new), and the notices to the account and the reporters; then
everything to save in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import cast
from uuid import UUID, uuid4

from app.write.quality import judge_superseded
from app.write.unit_of_work import UnitOfWork
from domain.account import Account
from domain.base import DocketAggregate, natural_id
from domain.case import Case, Decision, Verdict
from domain.detection import Detection
from domain.errors import ConflictError, ValidationError, no_such_detection
from domain.indexes import DecisionIndex, SubjectIndex
from domain.ladder import Ladder
from domain.notice import Decided, Notice
from domain.policy import Policy
from domain.report import Report
from domain.standing import Strike
from domain.values import Outcome, Subject


@dataclass(frozen=True)
class DecisionMade:
    decision: Decision
    case: Case
    """The case as the decision left it."""
    strike: Strike | None
    """The strike the decision counts, as it stands."""
    position: int
    created: bool

    @property
    def case_id(self) -> UUID:
        return self.case.id


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
        override_claims: bool = False,
    ) -> DecisionMade:
        """Decides a case under a policy; a VIOLATING decision strikes the account in the same transaction.

        The account struck is `account_id`, else the case's, else the one the cited detections name,
        else the one the subject's first detections named (its index keeps it). The decision closes
        the open reports under the policy with it. A case someone else has claimed is refused unless
        `override_claims` (an admin).
        """
        subject.validate()
        verdict.validate()
        case_id = Case.create_id(subject)
        decision_id = natural_id("decision", str(case_id), verdict.idempotency_key or str(uuid4()))

        def attempt() -> DecisionMade:
            now = self.work.clock()
            loaded = _Loaded(self.work, subject, policy_key, detection_ids, account_id)
            policy = loaded.policy()
            detections = loaded.detections(subject)
            case = loaded.case()
            if case is not None and decision_id in case.decisions:
                return self._replayed(case, loaded, decision_id, policy_key, verdict)
            owner = _owner(account_id, case, detections) or loaded.detected_account()
            cases = {} if case is None else {case_id: case}
            deciding = Deciding.load(self.work, policy, cases, loaded.accounts(owner), actor, now)
            case = deciding.case(subject, owner, override_claims)
            decision, _ = deciding.decide(case, decision_id, verdict, detections, owner)
            judged = judge_superseded(self.work, case, decision, actor, now)
            position = self.work.store(*deciding.changed(), *judged)
            account = None if owner is None else deciding.accounts[Account.create_id(owner)]
            return _made(case, account, decision_id, position, True)

        return self.work.retrying(attempt)

    def _replayed(
        self, case: Case, loaded: _Loaded, decision_id: UUID, policy_key: str, verdict: Verdict
    ) -> DecisionMade:
        decision = case.decisions[decision_id]
        if decision.policy_key != policy_key or decision.outcome != verdict.outcome:
            raise ConflictError(
                f"idempotency key {verdict.idempotency_key!r} was already used for another decision on this subject"
            )
        account = next(iter(loaded.accounts(case.account_id).values()), None)
        return _made(case, account, decision_id, self.work.head(), False)


class _Loaded:
    """What a decision reads before its write, in one round trip: its policy, the detections it cites and the subject's
    case; the account named, or when none is, the subject's index (which names the account its detections did)."""

    def __init__(
        self, work: UnitOfWork, subject: Subject, policy_key: str, detection_ids: list[UUID], account_id: str | None
    ) -> None:
        self.work = work
        self.name = (subject.domain, policy_key)
        self.policy_id = Policy.create_id(subject.domain, policy_key)
        self.detection_ids = list(dict.fromkeys(detection_ids))
        self.case_id = Case.create_id(subject)
        self.account_id = account_id
        self.index_id = None if account_id else SubjectIndex.create_id(subject)
        named = [Account.create_id(account_id)] if account_id else [self.index_id]
        # The named account's key comes too: the detections' evidence is sealed with it.
        self.found = work.load_many(
            [self.policy_id, *self.detection_ids, self.case_id, *named], [account_id] if account_id else []
        )

    def policy(self) -> Policy:
        return self.work.loaded_policy(self.found, *self.name)

    def detections(self, subject: Subject) -> list[Detection]:
        """The detections cited, in order.

        An id that names nothing, or something other than a detection, answers as the case answers a detection about
        another subject: no id tells the caller what the ledger holds.
        """
        cited = [self.found.get(i) for i in self.detection_ids]
        for detection_id, detection in zip(self.detection_ids, cited, strict=True):
            if not isinstance(detection, Detection):
                raise no_such_detection(detection_id, subject.key)
        return cast(list[Detection], cited)

    def case(self) -> Case | None:
        return self.work.of_kind(Case, self.found, [self.case_id]).get(self.case_id)

    def detected_account(self) -> str | None:
        """The account the subject's detections named first, if any did (read only when no account was named)."""
        ids = [] if self.index_id is None else [self.index_id]
        index = next(iter(self.work.of_kind(SubjectIndex, self.found, ids).values()), None)
        return None if index is None else index.account_id

    def accounts(self, owner: str | None) -> dict[UUID, Account]:
        """The owner's account, if registered: read with the rest when it is the one named, else now."""
        if owner is None:
            return {}
        ids = [Account.create_id(owner)]
        if owner == self.account_id:
            return self.work.of_kind(Account, self.found, ids)
        return self.work.load_all(Account, ids)


def _made(case: Case, account: Account | None, decision_id: UUID, position: int, created: bool) -> DecisionMade:
    strike = None if account is None else account.strike_of(case, decision_id)
    return DecisionMade(case.decisions[decision_id], case, strike, position, created)


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


@dataclass
class Deciding:
    """Subjects decided under one policy by one actor at one moment, on their cases and accounts loaded together
    with the reports open under the policy and the languages their reporters read; the new cases and accounts join
    them, and each decision's index and notices."""

    policy: Policy
    ladder: Ladder
    cases: dict[UUID, Case]
    accounts: dict[UUID, Account]
    reports: dict[UUID, Report]
    reporter_languages: dict[str, str | None]
    actor: str
    at: datetime
    indexes: list[DecisionIndex] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    @classmethod
    def load(
        cls, work: UnitOfWork, policy: Policy, cases: dict[UUID, Case], accounts: dict[UUID, Account], actor: str,
        at: datetime,
    ) -> Deciding:
        """Deciding on `cases` and `accounts`, with the reports open on those cases under the policy, and the
        language of each reporter that is also an account."""
        reports = work.load_all(Report, [r for c in cases.values() for r in c.open_reports_under(policy.key)])
        reporters = [Account.create_id(r.reporter_id) for r in reports.values()]
        languages = {a.account_id: a.language for a in work.load_all(Account, reporters).values()} if reporters else {}
        return cls(policy, work.ladders(policy.domain), cases, accounts, reports, languages, actor, at)

    def case(self, subject: Subject, owner: str | None, override_claims: bool = False) -> Case:
        """The subject's case, opened if it is new; a ConflictError if someone else holds it (unless overridden)."""
        case_id = Case.create_id(subject)
        case = self.cases.get(case_id)
        if case is None:
            case = self.cases[case_id] = Case.open(subject, owner, self.actor, self.at)
        case.check_not_held_by_another(self.actor, self.at, override_claims)
        return case

    def decide(
        self, case: Case, decision_id: UUID, verdict: Verdict, detections: list[Detection], owner: str | None
    ) -> tuple[Decision, Strike | None]:
        """Decides the case, closes the reports the decision answers, strikes the owner's account (registered if
        new), and issues the notices: the owner's of a restriction, each reporter's of the outcome; the strike, if
        the decision issues one."""
        answered = [self.reports[r] for r in case.open_reports_under(self.policy.key) if r in self.reports]
        decision = case.decide(decision_id, self.policy, verdict, detections, owner, self.actor, self.at)
        self.indexes.append(DecisionIndex.record(decision_id, case.id, self.actor, self.at))
        decided = Decided(decision, case.subject, self.policy.terms, self.at, self.ladder.appeal_window)
        for report in answered:
            report.close(decision.outcome, decision.decision_id, self.actor, self.at)
            language = self.reporter_languages.get(report.reporter_id)
            self.notices.append(Notice.of_report(decided, report.id, report.reporter_id, language, self.actor, self.at))
        if owner is None:
            return decision, None
        account_id = Account.create_id(owner)
        account = self.accounts.get(account_id)
        if account is None:
            account = self.accounts[account_id] = Account.register(owner, self.actor, self.at)
        strike = account.apply_decision(case.id, decision, self.policy, self.ladder, self.actor, self.at)
        if decision.outcome is Outcome.VIOLATING:
            issued = strike if strike is not None and strike.decision_id == decision.decision_id else None
            penalty = None if issued is None else account.penalty_of(issued)
            told = replace(decided, penalty=penalty)
            self.notices.append(Notice.of_decision(told, owner, account.language, self.actor, self.at))
        return decision, strike

    def changed(self) -> list[DocketAggregate]:
        """Every aggregate the decisions touched, to save in one transaction: the indexes first (a write's position is
        then that of an event the ledger's readers show), each case before its account, the notices last."""
        return [*self.indexes, *self.cases.values(), *self.reports.values(), *self.accounts.values(), *self.notices]

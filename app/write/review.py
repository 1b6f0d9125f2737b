"""The ledger's review commands: reports, queues and routing, claims, escalations, notes and reporters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.write.unit_of_work import UnitOfWork
from domain.case import Case
from domain.claims import Claim, ReleaseReason
from domain.errors import ConflictError, no_such_case, no_such_queue
from domain.indexes import SubjectIndex, check_case_work
from domain.queue import Queue
from domain.report import Notice, Report
from domain.reporter import Reporter
from domain.routing import Routing, RoutingRule
from domain.values import Subject


@dataclass(frozen=True)
class ReportSubmitted:
    report: Report
    case: Case
    """The report's case, as the submission left it."""
    position: int
    created: bool


@dataclass(frozen=True)
class Written:
    """A command's aggregate and the position that covers its change."""

    aggregate: Any
    position: int


@dataclass(frozen=True)
class ClaimTaken:
    case: Case
    claim: Claim
    position: int


@dataclass
class Review:
    work: UnitOfWork

    # Reports.

    def submit_report(self, notice: Notice, idempotency_key: str, actor: str) -> ReportSubmitted:
        """Records a notice and joins it to the subject's case, opening the case if need be; a retry returns it."""

        def attempt() -> ReportSubmitted:
            now = self.work.clock()
            report = Report.submit(notice, idempotency_key, actor, now)
            existing = self.work.find(Report, report.id)
            if existing is not None:
                return ReportSubmitted(existing, self.get_case(existing.subject), self.work.head(), False)
            subject = notice.subject
            self.work.get_policy(subject.domain, notice.policy_key).check_allows(())
            reporter = self.work.find(Reporter, Reporter.create_id(notice.reporter_id))
            if reporter is not None:
                reporter.check_may_report(now)
            case = self.work.find(Case, Case.create_id(subject)) or Case.open(subject, notice.account_id, actor, now)
            case.receive_report(report.id, notice.policy_key, actor, now)
            return ReportSubmitted(report, case, self.work.store(report, case), True)

        return self.work.retrying(attempt)

    def warn_reporter(self, reporter_id: str, reason: str, actor: str) -> Written:
        """Warns a reporter whose notices were manifestly unfounded (DSA Art. 23(1) requires it before a suspension)."""

        def attempt() -> Written:
            now = self.work.clock()
            reporter = self.work.find(Reporter, Reporter.create_id(reporter_id))
            reporter = reporter or Reporter.register(reporter_id, actor, now)
            reporter.warn(reason, actor, now)
            return Written(reporter, self.work.store(reporter))

        return self.work.retrying(attempt)

    def suspend_reporter(self, reporter_id: str, reason: str, until: datetime, actor: str) -> Written:
        """Suspends the processing of a warned reporter's notices until `until`."""

        def attempt() -> Written:
            reporter = self.work.find(Reporter, Reporter.create_id(reporter_id))
            if reporter is None:
                raise ConflictError(f"reporter {reporter_id!r} must be warned before being suspended")
            reporter.suspend(reason, until, actor, self.work.clock())
            return Written(reporter, self.work.store(reporter))

        return self.work.retrying(attempt)

    # Queues and routing.

    def create_queue(self, name: str, domain: str, description: str, actor: str) -> Written:
        def attempt() -> Written:
            queue = Queue.create(name, domain, description, actor, self.work.clock())
            if self.work.find(Queue, queue.id) is not None:
                raise ConflictError(f"a queue named {name!r} already exists")
            return Written(queue, self.work.store(queue))

        return self.work.retrying(attempt)

    def update_queue(self, name: str, domain: str, description: str, actor: str) -> Written:
        def attempt() -> Written:
            queue = self.get_queue(name)
            queue.update(domain, description, actor, self.work.clock())
            return Written(queue, self.work.store(queue))

        return self.work.retrying(attempt)

    def get_queue(self, name: str) -> Queue:
        queue = self.work.find(Queue, Queue.create_id(name)) if isinstance(name, str) else None
        if queue is None:
            raise no_such_queue(name)
        return queue

    def set_routing(self, rules: Sequence[RoutingRule], default_queue: str, actor: str) -> Written:
        """Replaces the routing table; every queue it names must exist."""

        def attempt() -> Written:
            now = self.work.clock()
            routing = self.work.find(Routing, Routing.create_id()) or Routing.create(actor, now)
            names = {r.queue for r in rules} | {default_queue}
            known = {n for n in names if isinstance(n, str) and self.work.find(Queue, Queue.create_id(n)) is not None}
            routing.change(rules, default_queue, known, actor, now)
            return Written(routing, self.work.store(routing))

        return self.work.retrying(attempt)

    # Claims.

    def claim_case(
        self, subject: Subject, account_id: str | None, queue: str, policy_key: str, lease: timedelta, actor: str
    ) -> ClaimTaken:
        """Leases one case to `actor`; a ConflictError when someone else holds it or got there first."""

        def attempt() -> ClaimTaken:
            now = self.work.clock()
            case = self.work.find(Case, Case.create_id(subject)) or Case.open(subject, account_id, actor, now)
            claim = case.claim_for(queue, policy_key, lease, actor, now)
            return ClaimTaken(case, claim, self.work.store(case))

        return self.work.retrying(attempt)

    def renew_claim(self, subject: Subject, lease: timedelta, actor: str) -> ClaimTaken:
        def attempt() -> ClaimTaken:
            case = self.get_case(subject)
            claim = case.renew_claim(lease, actor, self.work.clock())
            return ClaimTaken(case, claim, self.work.store(case))

        return self.work.retrying(attempt)

    def release_claim(self, subject: Subject, reason: ReleaseReason, actor: str) -> Written:
        """Gives a held case back to its queue; SKIPPED also keeps it from the skipper's next claims."""

        def attempt() -> Written:
            case = self.get_case(subject)
            case.release(reason, actor, self.work.clock())
            return Written(case, self.work.store(case))

        return self.work.retrying(attempt)

    def get_case(self, subject: Subject) -> Case:
        case = self.work.find(Case, Case.create_id(subject))
        if case is None:
            raise no_such_case(subject.key)
        return case

    # Escalations, notes and priority.

    def escalate_case(
        self, subject: Subject, policy_key: str, queue: str, note: str, actor: str, override: bool = False
    ) -> Written:
        self.get_queue(queue)
        return self._on_case(
            subject, lambda case, now: case.escalate(policy_key, queue, note, actor, now, override), policy_key
        )

    def add_case_note(self, subject: Subject, policy_key: str | None, note: str, actor: str) -> Written:
        return self._on_case(subject, lambda case, now: case.add_note(policy_key, note, actor, now))

    def prioritize_case(self, subject: Subject, policy_key: str, priority: int, reason: str, actor: str) -> Written:
        return self._on_case(
            subject, lambda case, now: case.prioritize(policy_key, priority, reason, actor, now), policy_key
        )

    def _on_case(
        self, subject: Subject, change: Callable[[Case, datetime], None], waiting: str | None = None
    ) -> Written:
        """Changes the subject's case, opening it in the ledger if only its detections are there yet; refused for a
        subject the ledger knows nothing of, or (given the policy `waiting`) with no work waiting under it."""
        subject.validate()

        def attempt() -> Written:
            now = self.work.clock()
            case = self.work.find(Case, Case.create_id(subject))
            check_case_work(subject, case, self.work.find(SubjectIndex, SubjectIndex.create_id(subject)), waiting)
            case = case or Case.open(subject, None, "system", now)
            change(case, now)
            return Written(case, self.work.store(case))

        return self.work.retrying(attempt)

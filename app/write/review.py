"""The ledger's review commands: reports, queues and routing, claims, escalations, notes and reporters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from domain.base import Clock
from domain.case import Case, Decision
from domain.claims import Claim, ReleaseReason
from domain.errors import ConflictError, no_such_queue
from domain.policy import Policy
from domain.queue import Queue
from domain.report import Notice, Report
from domain.reporter import Reporter
from domain.routing import Routing, RoutingRule
from domain.values import Subject

T = TypeVar("T")


@dataclass(frozen=True)
class ReportSubmitted:
    report: Report
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


class ReviewCommands:
    """Mixed into the Ledger: it supplies the clock, and loading, saving and retrying."""

    clock: Clock
    _find: Any
    _store: Callable[..., int]
    _retrying: Any
    head: Callable[[], int]
    get_policy: Callable[[str, str], Policy]
    _load_many: Callable[[list[UUID]], dict[UUID, object]]

    # Reports.

    def submit_report(self, notice: Notice, idempotency_key: str, actor: str) -> ReportSubmitted:
        """Records a notice and joins it to the subject's case, opening the case if need be; a retry returns it."""

        def attempt() -> ReportSubmitted:
            now = self.clock()
            report = Report.submit(notice, idempotency_key, actor, now)
            existing = self._find(Report, report.id)
            if existing is not None:
                return ReportSubmitted(existing, self.head(), False)
            subject = notice.subject
            self.get_policy(subject.domain, notice.policy_key).check_allows(())
            reporter = self._find(Reporter, Reporter.create_id(notice.reporter_id))
            if reporter is not None:
                reporter.check_may_report(now)
            case = self._find(Case, Case.create_id(subject)) or Case.open(subject, notice.account_id, actor, now)
            case.receive_report(report.id, notice.policy_key, actor, now)
            return ReportSubmitted(report, self._store(report, case), True)

        return self._run(attempt)

    def warn_reporter(self, reporter_id: str, reason: str, actor: str) -> Written:
        """Warns a reporter whose notices were manifestly unfounded (DSA Art. 23(1) requires it before a suspension)."""

        def attempt() -> Written:
            now = self.clock()
            reporter = self._find(Reporter, Reporter.create_id(reporter_id))
            reporter = reporter or Reporter.register(reporter_id, actor, now)
            reporter.warn(reason, actor, now)
            return Written(reporter, self._store(reporter))

        return self._run(attempt)

    def suspend_reporter(self, reporter_id: str, reason: str, until: datetime, actor: str) -> Written:
        """Suspends the processing of a warned reporter's notices until `until`."""

        def attempt() -> Written:
            reporter = self._find(Reporter, Reporter.create_id(reporter_id))
            if reporter is None:
                raise ConflictError(f"reporter {reporter_id!r} must be warned before being suspended")
            reporter.suspend(reason, until, actor, self.clock())
            return Written(reporter, self._store(reporter))

        return self._run(attempt)

    def open_reports(self, case: Case, policy_key: str) -> list[Report]:
        """The case's open reports under a policy: load them before deciding, close them with the decision."""
        loaded = self._load_many(case.open_reports_under(policy_key))
        return [report for report in loaded.values() if isinstance(report, Report)]

    # Queues and routing.

    def create_queue(self, name: str, domain: str, description: str, actor: str) -> Written:
        def attempt() -> Written:
            queue = Queue.create(name, domain, description, actor, self.clock())
            if self._find(Queue, queue.id) is not None:
                raise ConflictError(f"a queue named {name!r} already exists")
            return Written(queue, self._store(queue))

        return self._run(attempt)

    def update_queue(self, name: str, domain: str, description: str, actor: str) -> Written:
        def attempt() -> Written:
            queue = self.get_queue(name)
            queue.update(domain, description, actor, self.clock())
            return Written(queue, self._store(queue))

        return self._run(attempt)

    def get_queue(self, name: str) -> Queue:
        queue = self._find(Queue, Queue.create_id(name)) if isinstance(name, str) else None
        if queue is None:
            raise no_such_queue(name)
        return queue

    def set_routing(self, rules: Sequence[RoutingRule], default_queue: str, actor: str) -> Written:
        """Replaces the routing table; every queue it names must exist."""

        def attempt() -> Written:
            now = self.clock()
            routing = self._find(Routing, Routing.create_id()) or Routing.create(actor, now)
            names = {r.queue for r in rules} | {default_queue}
            known = {n for n in names if isinstance(n, str) and self._find(Queue, Queue.create_id(n)) is not None}
            routing.change(rules, default_queue, known, actor, now)
            return Written(routing, self._store(routing))

        return self._run(attempt)

    # Claims.

    def claim_case(
        self, subject: Subject, account_id: str | None, queue: str, policy_key: str, lease: timedelta, actor: str
    ) -> ClaimTaken:
        """Leases one case to `actor`; a ConflictError when someone else holds it or got there first."""

        def attempt() -> ClaimTaken:
            now = self.clock()
            case = self._find(Case, Case.create_id(subject)) or Case.open(subject, account_id, actor, now)
            claim = case.claim_for(queue, policy_key, lease, actor, now)
            return ClaimTaken(case, claim, self._store(case))

        return self._run(attempt)

    def renew_claim(self, subject: Subject, lease: timedelta, actor: str) -> ClaimTaken:
        def attempt() -> ClaimTaken:
            case = self.get_case(subject)  # type: ignore[attr-defined]
            claim = case.renew_claim(lease, actor, self.clock())
            return ClaimTaken(case, claim, self._store(case))

        return self._run(attempt)

    def release_claim(self, subject: Subject, reason: ReleaseReason, actor: str) -> Written:
        """Gives a held case back to its queue; SKIPPED also keeps it from the skipper's next claims."""

        def attempt() -> Written:
            case = self.get_case(subject)  # type: ignore[attr-defined]
            case.release(reason, actor, self.clock())
            return Written(case, self._store(case))

        return self._run(attempt)

    # Escalations, notes and priority.

    def escalate_case(
        self, subject: Subject, policy_key: str, queue: str, note: str, actor: str, override: bool = False
    ) -> Written:
        self.get_queue(queue)
        return self._on_case(subject, lambda case, now: case.escalate(policy_key, queue, note, actor, now, override))

    def add_case_note(self, subject: Subject, policy_key: str | None, note: str, actor: str) -> Written:
        return self._on_case(subject, lambda case, now: case.add_note(policy_key, note, actor, now))

    def prioritize_case(self, subject: Subject, policy_key: str, priority: int, reason: str, actor: str) -> Written:
        return self._on_case(subject, lambda case, now: case.prioritize(policy_key, priority, reason, actor, now))

    def _on_case(self, subject: Subject, change: Callable[[Case, datetime], None]) -> Written:
        """Changes the subject's case, opening it in the ledger if only its detections are there yet."""

        def attempt() -> Written:
            now = self.clock()
            case = self._find(Case, Case.create_id(subject)) or Case.open(subject, None, "system", now)
            change(case, now)
            return Written(case, self._store(case))

        return self._run(attempt)

    def _run(self, attempt: Callable[[], T]) -> T:
        result: T = self._retrying(attempt)
        return result


def close_reports(reports: list[Report], decision: Decision, actor: str, at: datetime) -> None:
    """Closes reports with the decision's outcome, in the transaction that saves the decision."""
    for report in reports:
        report.close(decision.outcome, decision.decision_id, actor, at)

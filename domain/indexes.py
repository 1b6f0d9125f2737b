"""Write-side indexes: what commands find by something other than an aggregate's own natural id.

Each index is an aggregate with a uuid5 id, recorded in the same transaction as the events it
indexes (the pattern of eventsourcing's own examples), so that no command needs a read model to
decide. They are the ledger's bookkeeping, not enforcement facts: its readers leave them out.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.automation_caps import AutomationTally
from domain.base import DocketAggregate, natural_id
from domain.case import Case
from domain.detection import DetectionFacts
from domain.errors import NotFoundError, no_such_case
from domain.values import Subject


class DecisionIndex(DocketAggregate):
    """The case a decision was made on: fileAppeal and reverseDecision name only the decision."""

    if TYPE_CHECKING:
        case_id: UUID

    @staticmethod
    def create_id(decision_id: UUID) -> UUID:
        return natural_id("decision-index", str(decision_id))

    class Recorded(DocketAggregate.Created):
        case_id: UUID

        def apply(self, index: DecisionIndex) -> None:
            index.case_id = self.case_id

    @classmethod
    def record(cls, decision_id: UUID, case_id: UUID, actor: str, at: datetime) -> DecisionIndex:
        return cls._start(cls.Recorded, cls.create_id(decision_id), actor, at, case_id=case_id)


class SubjectIndex(DocketAggregate):
    """What detections told of a subject, whose case the ledger opens only when someone acts on it: the account the
    first of them named, and the policies under which one left work waiting for review.

    Work under a policy waits from a detection that no live decision answered until the case's next decision under
    it: the index keeps the case's version at that detection, the case the version of its last decision.
    """

    if TYPE_CHECKING:
        subject: Subject
        account_id: str | None
        queued: dict[str, int]

    @staticmethod
    def create_id(subject: Subject) -> UUID:
        return natural_id("subject-index", subject.domain, subject.kind, subject.id)

    class Started(DocketAggregate.Created):
        subject: Subject
        account_id: str | None
        policy_key: str | None
        case_version: int

        def apply(self, index: SubjectIndex) -> None:
            index.subject = self.subject
            index.account_id = None
            index.queued = {}
            _noted(index, self)

    class Detected(DocketAggregate.Event):
        account_id: str | None
        """The subject's first account, when the detection named one and no earlier one had."""
        policy_key: str | None
        """The detection's policy, when it left work waiting under it."""
        case_version: int
        """The case's version at the detection; 0 before the ledger opened the case."""

        def apply(self, index: SubjectIndex) -> None:
            _noted(index, self)

    @classmethod
    def start(cls, facts: DetectionFacts, case: Case | None, actor: str, at: datetime) -> SubjectIndex:
        """The index of a subject, from its first detection."""
        queued = None if _answered(case, facts.policy_key) or not facts.for_review else facts.policy_key
        return cls._start(
            cls.Started, cls.create_id(facts.subject), actor, at, subject=facts.subject, account_id=facts.account_id,
            policy_key=queued, case_version=_version(case),
        )

    def detected(self, facts: DetectionFacts, case: Case | None, actor: str, at: datetime) -> None:
        """Notes what a later detection tells, if it tells anything new: the subject's first account, or work that
        now waits for review."""
        account = facts.account_id if self.account_id is None else None
        waits = facts.for_review and not _answered(case, facts.policy_key) and not self.waiting(facts.policy_key, case)
        if account is not None or waits:
            self._record(
                self.Detected, actor, at, account_id=account, policy_key=facts.policy_key if waits else None,
                case_version=_version(case),
            )

    def waiting(self, policy_key: str, case: Case | None) -> bool:
        """Whether a detection left work under the policy that no decision on the subject's `case` has answered."""
        queued = self.queued.get(policy_key)
        return queued is not None and (case is None or queued >= case.decided_versions.get(policy_key, 0))


class IndexBackfill(DocketAggregate):
    """That the indexes name everything the ledger held when they were backfilled: a ledger written before them is
    indexed from its own events once, and later starts find this record and read no further."""

    if TYPE_CHECKING:
        position: int

    @staticmethod
    def create_id() -> UUID:
        return natural_id("index-backfill")

    class Completed(DocketAggregate.Created):
        position: int
        """The ledger's head when the backfill began: every event up to it is indexed."""
        decisions: int
        """Decisions indexed by the backfill."""
        subjects: int
        """Subjects whose index the backfill started or added to."""

        def apply(self, backfill: IndexBackfill) -> None:
            backfill.position = self.position

    @classmethod
    def complete(cls, position: int, decisions: int, subjects: int, actor: str, at: datetime) -> IndexBackfill:
        return cls._start(
            cls.Completed, cls.create_id(), actor, at, position=position, decisions=decisions, subjects=subjects
        )




def note_detection(
    index: SubjectIndex | None, case: Case | None, facts: DetectionFacts, actor: str, at: datetime
) -> SubjectIndex:
    """The subject's index once it has noted a detection: started by the subject's first."""
    if index is None:
        return SubjectIndex.start(facts, case, actor, at)
    index.detected(facts, case, actor, at)
    return index


def check_case_work(subject: Subject, case: Case | None, index: SubjectIndex | None, policy_key: str | None) -> None:
    """Refuses a subject the ledger knows neither a case nor a detection of; given a policy, one with no work waiting
    for review under it: reports or detections that no decision under it has answered since."""
    if case is None and index is None:
        raise no_such_case(subject.key)
    if policy_key is None:
        return
    reported = case is not None and bool(case.open_reports_under(policy_key))
    if not reported and not (index is not None and index.waiting(policy_key, case)):
        raise NotFoundError(f"case {subject.key} has no work waiting for review under {policy_key!r}")


def _noted(index: SubjectIndex, event: SubjectIndex.Started | SubjectIndex.Detected) -> None:
    if event.account_id is not None:
        index.account_id = event.account_id
    if event.policy_key is not None:
        index.queued[event.policy_key] = event.case_version


def _answered(case: Case | None, policy_key: str) -> bool:
    return case is not None and case.live_decision(policy_key) is not None


def _version(case: Case | None) -> int:
    return 0 if case is None else case.version


class PolicyRules(DocketAggregate):
    """The automation rules configured for a policy: autoAction names only the policy."""

    if TYPE_CHECKING:
        rule_ids: list[UUID]

    @staticmethod
    def create_id(domain: str, policy_key: str) -> UUID:
        return natural_id("policy-rules", domain, policy_key)

    class Started(DocketAggregate.Created):
        rule_id: UUID

        def apply(self, index: PolicyRules) -> None:
            index.rule_ids = [self.rule_id]

    class RuleAdded(DocketAggregate.Event):
        rule_id: UUID

        def apply(self, index: PolicyRules) -> None:
            index.rule_ids.append(self.rule_id)

    @classmethod
    def start(cls, domain: str, policy_key: str, rule_id: UUID, actor: str, at: datetime) -> PolicyRules:
        return cls._start(cls.Started, cls.create_id(domain, policy_key), actor, at, rule_id=rule_id)

    def add(self, rule_id: UUID, actor: str, at: datetime) -> None:
        if rule_id not in self.rule_ids:
            self._record(self.RuleAdded, actor, at, rule_id=rule_id)


INDEX_EVENTS = (
    DecisionIndex.Recorded, SubjectIndex.Started, SubjectIndex.Detected, IndexBackfill.Completed, PolicyRules.Started,
    PolicyRules.RuleAdded, AutomationTally.Started, AutomationTally.Counted,
)

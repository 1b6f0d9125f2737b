"""The ledger: every command loads aggregates, asks the domain, and saves in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import RecordConflictError, Transcoder

from app.transcodings import register_value_types
from domain.account import DEFAULT_STRIKE_LIFETIME, DEFAULT_STRIKE_LIFETIMES, Account
from domain.base import Clock, DocketAggregate, natural_id
from domain.case import Case, Decision, Verdict
from domain.detection import Detection, DetectionFacts
from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.policy import Policy, PolicyTerms
from domain.standing import Strike
from domain.values import Subject

T = TypeVar("T")
A = TypeVar("A", bound=DocketAggregate)

MAX_ATTEMPTS = 8
MAX_BULK = 1000


@dataclass(frozen=True)
class PolicyPublished:
    policy: Policy
    position: int


@dataclass(frozen=True)
class DetectionRecorded:
    detection: Detection
    position: int
    created: bool


@dataclass(frozen=True)
class DecisionMade:
    decision: Decision
    case_id: UUID
    strike: Strike | None
    position: int
    created: bool


@dataclass(frozen=True)
class StoredEvent:
    position: int
    event: DomainEvent


class Ledger(Application[UUID]):
    """Docket's event-sourced application: policies, detections, cases and accounts."""

    name = "Docket"

    def __init__(
        self,
        env: dict[str, str],
        clock: Clock,
        strike_lifetimes: dict[str, timedelta] | None = None,
    ) -> None:
        super().__init__(env=env)
        self.clock = clock
        self.strike_lifetimes = DEFAULT_STRIKE_LIFETIMES if strike_lifetimes is None else strike_lifetimes
        self.listeners: list[Callable[[int], None]] = []

    def register_transcodings(self, transcoder: Transcoder) -> None:
        super().register_transcodings(transcoder)
        register_value_types(transcoder)

    # Policies.

    def publish_policy(self, domain: str, key: str, terms: PolicyTerms, actor: str) -> PolicyPublished:
        """Publishes a policy's first version, or a new one; the same terms again change nothing."""

        def attempt() -> PolicyPublished:
            now = self.clock()
            policy = self.find_policy(domain, key)
            if policy is None:
                policy = Policy.publish(domain, key, terms, actor, now)
            else:
                policy.revise(terms, actor, now)
            return PolicyPublished(policy, self._store(policy))

        return self._retrying(attempt)

    def find_policy(self, domain: str, key: str) -> Policy | None:
        return self._find(Policy, Policy.create_id(domain, key))

    def get_policy(self, domain: str, key: str) -> Policy:
        policy = self.find_policy(domain, key)
        if policy is None:
            raise NotFoundError(f"domain {domain!r} has no policy {key!r}")
        return policy

    # Detections.

    def record_detection(self, facts: DetectionFacts, actor: str) -> DetectionRecorded:
        return self.record_detections([facts], actor)[0]

    def record_detections(self, batch: list[DetectionFacts], actor: str) -> list[DetectionRecorded]:
        """Records a batch in one transaction; a detection already recorded is returned as it was."""
        if len(batch) > MAX_BULK:
            raise ValidationError(f"at most {MAX_BULK} detections per call", "inputs")
        for index, facts in enumerate(batch):
            _indexed(index, len(batch), facts.validate)
        policies = {}
        for index, facts in enumerate(batch):
            name = (facts.subject.domain, facts.policy_key)
            if name not in policies:
                policies[name] = _indexed(index, len(batch), lambda: self.get_policy(*name))
            _indexed(index, len(batch), lambda: policies[name].check_allows(()))
        return self._retrying(lambda: self._record_new(batch, policies, actor))

    def _record_new(
        self, batch: list[DetectionFacts], policies: dict[tuple[str, str], Policy], actor: str
    ) -> list[DetectionRecorded]:
        now = self.clock()
        ids = [Detection.create_id(f.source, f.external_id) for f in batch]
        existing = self._existing_detections(ids)
        fresh: dict[UUID, Detection] = {}
        for detection_id, facts in zip(ids, batch, strict=True):
            if detection_id not in existing and detection_id not in fresh:
                policy = policies[(facts.subject.domain, facts.policy_key)]
                fresh[detection_id] = Detection.record(facts, policy.policy_version, actor, now)
        position = self._store(*fresh.values())
        return [
            DetectionRecorded(fresh[i], position, True) if i in fresh else DetectionRecorded(existing[i], position, False)
            for i in ids
        ]

    def _existing_detections(self, ids: list[UUID]) -> dict[UUID, Detection]:
        found = {}
        for detection_id in set(ids):
            detection = self._find(Detection, detection_id)
            if detection is not None:
                found[detection_id] = detection
        return found

    def get_detection(self, detection_id: UUID) -> Detection:
        detection = self._find(Detection, detection_id)
        if detection is None:
            raise NotFoundError(f"no detection {detection_id}")
        return detection

    # Decisions.

    def decide(
        self,
        subject: Subject,
        policy_key: str,
        verdict: Verdict,
        detection_ids: list[UUID],
        account_id: str | None,
        actor: str,
        known_account: str | None = None,
    ) -> DecisionMade:
        """Decides a case under a policy; a VIOLATING decision strikes the account in the same transaction.

        The account struck is `account_id`, else the case's, else the detections' named, else
        `known_account`: the one the read models have seen for the subject.
        """
        subject.validate()
        verdict.validate()
        case_id = Case.create_id(subject)
        decision_id = natural_id("decision", str(case_id), verdict.idempotency_key or str(uuid4()))
        return self._retrying(
            lambda: self._decide(
                subject, case_id, decision_id, policy_key, verdict, detection_ids, account_id, actor, known_account
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
    ) -> DecisionMade:
        now = self.clock()
        policy = self.get_policy(subject.domain, policy_key)
        detections = [self.get_detection(i) for i in dict.fromkeys(detection_ids)]
        case = self._find(Case, case_id)
        if case is not None and decision_id in case.decisions:
            return self._replayed(case, decision_id, policy_key, verdict)
        owner = _owner(account_id, case, detections) or known_account
        if case is None:
            case = Case.open(subject, owner, actor, now)
        decision = case.decide(decision_id, policy, verdict, detections, owner, actor, now)
        account = None
        strike = None
        if owner is not None:
            account = self._find(Account, Account.create_id(owner)) or Account.register(owner, actor, now)
            lifetime = self.strike_lifetimes.get(subject.domain, DEFAULT_STRIKE_LIFETIME)
            strike = account.apply_decision(case_id, decision, policy, lifetime, actor, now)
        position = self._store(case, *([account] if account is not None else []))
        return DecisionMade(decision, case_id, strike, position, True)

    def _replayed(self, case: Case, decision_id: UUID, policy_key: str, verdict: Verdict) -> DecisionMade:
        decision = case.decisions[decision_id]
        if decision.policy_key != policy_key or decision.outcome != verdict.outcome:
            raise ConflictError(
                f"idempotency key {verdict.idempotency_key!r} was already used for another decision on this subject"
            )
        strike = None
        if case.account_id is not None:
            account = self._find(Account, Account.create_id(case.account_id))
            if account is not None:
                strike = next((s for s in account.strikes.values() if s.decision_id == decision_id), None)
        return DecisionMade(decision, case.id, strike, self.recorder.max_notification_id() or 0, False)

    def get_case(self, subject: Subject) -> Case:
        case = self._find(Case, Case.create_id(subject))
        if case is None:
            raise NotFoundError(f"no case for {subject.key}")
        return case

    # The log.

    def read_events(self, after: int, limit: int) -> list[StoredEvent]:
        """Events in ledger order, from the position after `after`."""
        notifications = self.recorder.select_notifications(start=after + 1, limit=limit)
        return [StoredEvent(n.id, self.mapper.to_domain_event(n)) for n in notifications]

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    # Plumbing.

    def _find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, cls):
            raise ConflictError(f"{aggregate_id} is a {type(aggregate).__name__}, not a {cls.__name__}")
        return aggregate

    def _store(self, *aggregates: DocketAggregate) -> int:
        """Saves in one transaction; returns the ledger position that covers the change."""
        if not any(a.pending_events for a in aggregates):
            return self.head()
        recordings = self.save(*aggregates)
        position = max(r.notification.id for r in recordings)
        for listener in self.listeners:
            listener(position)
        return position

    def _retrying(self, command: Callable[[], T]) -> T:
        """Runs a command again when a concurrent writer got there first; it reloads every time."""
        for _ in range(MAX_ATTEMPTS - 1):
            try:
                return command()
            except RecordConflictError:
                continue
        try:
            return command()
        except RecordConflictError:
            raise ConflictError("the record kept changing under concurrent writes; try again") from None


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


def _indexed(index: int, size: int, check: Callable[[], T]) -> T:
    """Runs a check; in a batch, the failing field is named with the input's index."""
    try:
        return check()
    except ValidationError as error:
        if size == 1:
            raise
        raise ValidationError(f"inputs[{index}]: {error.message}", f"inputs[{index}].{error.field}") from None
    except NotFoundError as error:
        if size == 1:
            raise
        raise NotFoundError(f"inputs[{index}]: {error.message}") from None



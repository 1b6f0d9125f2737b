"""The ledger: every command loads aggregates, asks the domain, and saves in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    project_aggregate,
)
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    RecordConflictError,
    Recorder,
    Transcoder,
)
from eventsourcing.persistence import StoredEvent as PersistedEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from app.config.ladders import load_ladders
from app.config.settings import Settings
from app.write.appeals import AppealCommands
from app.write.batches import BatchCommands
from app.write.corrections import CorrectionCommands
from app.write.review import ReviewCommands, close_reports
from app.write.transcodings import register_value_types
from domain.account import Account
from domain.base import Clock, DocketAggregate, natural_id
from domain.case import Case, Decision, Verdict
from domain.detection import Detection, DetectionFacts
from domain.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    no_such_case,
    no_such_policy,
)
from domain.ladder import Ladder
from domain.policy import Policy, PolicyTerms
from domain.standing import Strike
from domain.values import Subject

T = TypeVar("T")
A = TypeVar("A", bound=DocketAggregate)

MAX_ATTEMPTS = 8
MAX_BULK = 1000
_SQLITE_CHUNK = 500  # bound parameters per query, well under SQLite's limit


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
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class StoredEvent:
    position: int
    event: DomainEvent


class Ledger(AppealCommands, ReviewCommands, CorrectionCommands, BatchCommands, Application[UUID]):
    """Docket's event-sourced application: policies, detections, cases and accounts."""

    name = "Docket"

    def __init__(
        self,
        env: dict[str, str],
        clock: Clock,
        ladders: Callable[[str], Ladder] | None = None,
    ) -> None:
        super().__init__(env=env)
        self.clock = clock
        self.ladders = ladders or load_ladders()
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
            raise no_such_policy(domain, key)
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
        names = dict.fromkeys((f.subject.domain, f.policy_key) for f in batch)
        stored_policies = self._load_many([Policy.create_id(*name) for name in names])
        policies: dict[tuple[str, str], Policy] = {}
        for index, facts in enumerate(batch):
            name = (facts.subject.domain, facts.policy_key)
            if name not in policies:
                policies[name] = _indexed(index, len(batch), lambda: self._loaded_policy(stored_policies, *name))
            _indexed(index, len(batch), lambda: policies[name].check_allows(()))
        return self._retrying(lambda: self._record_new(batch, policies, actor))

    def _loaded_policy(self, loaded: dict[UUID, object], domain: str, key: str) -> Policy:
        """`get_policy` over aggregates loaded beforehand."""
        policy_id = Policy.create_id(domain, key)
        if policy_id not in loaded:
            raise no_such_policy(domain, key)
        return _expect(Policy, policy_id, loaded[policy_id])

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
        """The detections among `ids` already recorded."""
        return self._load_all(Detection, ids)

    def _load_all(self, cls: type[A], ids: list[UUID]) -> dict[UUID, A]:
        """The `cls` aggregates among `ids` that exist, read together (see `_load_many`)."""
        return {i: _expect(cls, i, aggregate) for i, aggregate in self._load_many(ids).items()}

    def _load_many(self, ids: list[UUID]) -> dict[UUID, object]:
        """The aggregates among `ids` that exist, read in one query where the store allows it.

        The same as `repository.get` on each id, without a round trip per id.
        """
        unique = list(dict.fromkeys(ids))
        stored = None
        if self.repository.snapshot_store is None and self.repository.cache is None:
            stored = _select_events_of(self.recorder, unique)
        if stored is None:  # another store, or snapshots or a cache that repository.get must honour
            found = {}
            for aggregate_id in unique:
                try:
                    found[aggregate_id] = self.repository.get(aggregate_id)
                except AggregateNotFoundError:
                    pass
            return found
        histories: dict[UUID, list[DomainEvent]] = {}
        for stored_event in stored:
            histories.setdefault(stored_event.originator_id, []).append(self.mapper.to_domain_event(stored_event))
        return {i: project_aggregate(None, events) for i, events in histories.items()}

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
        return self._retrying(
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
        now = self.clock()
        policy = self.get_policy(subject.domain, policy_key)
        detections = [self.get_detection(i) for i in dict.fromkeys(detection_ids)]
        case = self._find(Case, case_id)
        if case is not None and decision_id in case.decisions:
            return self._replayed(case, decision_id, policy_key, verdict)
        owner = _owner(account_id, case, detections) or known_account
        if case is None:
            case = Case.open(subject, owner, actor, now)
        case.check_not_held_by_another(actor, now, override_claims)
        reports = self.open_reports(case, policy_key)
        decision = case.decide(decision_id, policy, verdict, detections, owner, actor, now)
        close_reports(reports, decision, actor, now)
        account = None
        strike = None
        if owner is not None:
            account = self._find(Account, Account.create_id(owner)) or Account.register(owner, actor, now)
            strike = account.apply_decision(case_id, decision, policy, self.ladders(subject.domain), actor, now)
        position = self._store(case, *reports, *([account] if account is not None else []))
        return DecisionMade(decision, case_id, strike, position, True, *case.decided[decision.decision_id])

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
        return DecisionMade(decision, case.id, strike, self.head(), False, *case.decided[decision_id])

    def get_case(self, subject: Subject) -> Case:
        case = self._find(Case, Case.create_id(subject))
        if case is None:
            raise no_such_case(subject.key)
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


def _expect(cls: type[A], aggregate_id: UUID, aggregate: object) -> A:
    """`aggregate` as a `cls`, with the error `_find` raises when an id names another kind of aggregate."""
    if not isinstance(aggregate, cls):
        raise ConflictError(f"{aggregate_id} is a {type(aggregate).__name__}, not a {cls.__name__}")
    return aggregate


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
def _select_events_of(recorder: Recorder, ids: list[UUID]) -> list[PersistedEvent] | None:
    """Every stored event of the aggregates `ids`, in one round trip; None if the recorder is not one we know.

    Aggregate ids are UUIDs (stored as `uuid` on PostgreSQL, as hex text on SQLite), as in the
    library's own `select_events`. Events come grouped by aggregate, in version order.
    """
    if not ids:
        return []
    if isinstance(recorder, PostgresAggregateRecorder):
        if recorder.datastore.originator_id_type != "uuid":
            return None
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {0}.{1} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(statement, (ids,), prepare=True)
            rows = cursor.fetchall()
        return [
            PersistedEvent(r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])) for r in rows
        ]
    if isinstance(recorder, SQLiteAggregateRecorder):
        if recorder.datastore.originator_id_type != "uuid":
            return None
        found = []
        with recorder.datastore.transaction(commit=False) as cursor:
            for start in range(0, len(ids), _SQLITE_CHUNK):
                chunk = [i.hex for i in ids[start:start + _SQLITE_CHUNK]]
                cursor.execute(
                    f"SELECT originator_id, originator_version, topic, state FROM {recorder.events_table_name} "
                    f"WHERE originator_id IN ({','.join('?' * len(chunk))}) ORDER BY originator_id, originator_version",
                    chunk,
                )
                found += [
                    PersistedEvent(UUID(r["originator_id"]), r["originator_version"], r["topic"], r["state"])
                    for r in cursor.fetchall()
                ]
        return found
    return None


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


def open_ledger(settings: Settings, clock: Clock) -> Ledger:
    """The ledger on the configured database, under the configured strike ladders."""
    ladders = load_ladders() if settings.ladders_file is None else load_ladders(settings.ladders_file)
    return Ledger(env=settings.database.library_env(), clock=clock, ladders=ladders)

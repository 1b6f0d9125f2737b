"""How the ledger's commands read and write: aggregates loaded by id, saved together, retried on a conflict."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from functools import cache
from typing import TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    RecordConflictError,
    Recorder,
)
from eventsourcing.persistence import StoredEvent as PersistedEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from app.write.kept import Kept, thawed
from app.write.sealing import Keyring
from app.write.subject_keys import SubjectKey
from domain.account import Account
from domain.base import Clock, DocketAggregate
from domain.case import Case
from domain.errors import ConflictError, no_such_decision, no_such_policy
from domain.indexes import DecisionIndex
from domain.ladder import Ladder
from domain.policy import Policy

T = TypeVar("T")
A = TypeVar("A", bound=DocketAggregate)

MAX_ATTEMPTS = 8
CONFLICT_PAUSE = 0.002
"""Seconds, at most, before the second attempt of a command that met a concurrent writer; doubled for each further."""
_SQLITE_CHUNK = 500  # bound parameters per query, well under SQLite's limit


class UnitOfWork:
    """The ledger's aggregates as its commands use them, with the clock and the strike ladders they judge by.

    A command loads what it needs, asks the domain, and saves every aggregate it changed in one
    transaction; when a concurrent writer got there first, it runs again on what that writer saved.
    """

    def __init__(
        self,
        application: Application[UUID],
        write: Callable[[Sequence[DocketAggregate]], int],
        clock: Clock,
        ladders: Callable[[str], Ladder],
        listeners: list[Callable[[int], None]],
        keyring: Keyring,
    ) -> None:
        self._application = application
        self._write = write
        self._keyring = keyring
        self.clock = clock
        self.ladders = ladders
        self._listeners = listeners
        self._kept = Kept()

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        aggregate = self.aggregate(aggregate_id)
        return None if aggregate is None else _expect(cls, aggregate_id, aggregate)

    def aggregate(self, aggregate_id: UUID) -> object | None:
        """The aggregate `aggregate_id` names, of whatever kind, if it exists."""
        try:
            return self._application.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def load_all(self, cls: type[A], ids: list[UUID]) -> dict[UUID, A]:
        """The `cls` aggregates among `ids` that exist, read together (see `load_many`)."""
        return self.of_kind(cls, self.load_many(ids), ids)

    @staticmethod
    def of_kind(cls: type[A], found: dict[UUID, object], ids: list[UUID]) -> dict[UUID, A]:
        """The `cls` aggregates among `ids` in what `load_many` found (which may hold aggregates of other kinds)."""
        if not found:  # as a bulk write of new subjects finds them: no id hashed (a call of UUID's, ~0.2 us each)
            return {}
        return {i: _expect(cls, i, found[i]) for i in ids if i in found}

    def load_many(self, ids: list[UUID], accounts: Sequence[str] = ()) -> dict[UUID, object]:
        """The aggregates among `ids` that exist, read in one query where the store allows it; on PostgreSQL, with
        the keys of `accounts` that the keyring does not hold, read in the same round trip.

        The same as `repository.get` on each id, without a round trip per id; a case or an account the process read
        before is caught up from where it was read (see app.write.kept), its earlier events not read again.
        """
        repository = self._application.repository
        if repository.snapshot_store is not None or repository.cache is not None:
            found: dict[UUID, object] = {}  # snapshots or a cache that repository.get must honour
            for aggregate_id in dict.fromkeys(ids):
                with suppress(AggregateNotFoundError):
                    found[aggregate_id] = repository.get(aggregate_id)
            return found
        kept = self._kept.among(ids)
        histories = self.histories(ids, accounts, {i: a.version for i, a in kept.items()})
        found = {}
        if not kept and not histories:  # none of them exists (a bulk write's new subjects): no id hashed again
            return found
        for aggregate_id in dict.fromkeys(ids):
            was, events = kept.get(aggregate_id), histories.get(aggregate_id, [])
            if not events:
                if was is not None:
                    found[aggregate_id] = thawed(was)
                continue
            aggregate = _projected(events, None if was is None else thawed(was))
            found[aggregate_id] = thawed(aggregate) if self._kept.keep(aggregate) else aggregate
        return found

    def histories(
        self, ids: list[UUID], accounts: Sequence[str] = (), after: Mapping[UUID, int] | None = None
    ) -> dict[UUID, list[DomainEventProtocol[UUID]]]:
        """Every event of each aggregate among `ids` that exists (past its version in `after`, if there), in version
        order, read in one query where the store allows it (see `load_many` for `accounts`)."""
        application = self._application
        unique = list(dict.fromkeys(ids))
        past = [0] * len(unique) if not after else [after.get(i, 0) for i in unique]
        stored = _select_events_of(application.recorder, unique, past, self._keyring, self._keyring.unheld(accounts))
        if stored is None:  # a store we do not know: a query per aggregate
            events = application.repository.event_store
            return {i: history for i, v in zip(unique, past, strict=True) if (history := list(events.get(i, gt=v)))}
        histories: dict[UUID, list[DomainEventProtocol[UUID]]] = {}
        for stored_event in stored:
            histories.setdefault(stored_event.originator_id, []).append(
                application.mapper.to_domain_event(stored_event)
            )
        return histories

    def find_policy(self, domain: str, key: str) -> Policy | None:
        return self.find(Policy, Policy.create_id(domain, key))

    def get_policy(self, domain: str, key: str) -> Policy:
        policy = self.find_policy(domain, key)
        if policy is None:
            raise no_such_policy(domain, key)
        return policy

    @classmethod
    def loaded_policy(cls, found: dict[UUID, object], domain: str, key: str) -> Policy:
        """`get_policy` over what `load_many` found."""
        policy_id = Policy.create_id(domain, key)
        policy = cls.of_kind(Policy, found, [policy_id]).get(policy_id)
        if policy is None:
            raise no_such_policy(domain, key)
        return policy

    def decided_case(self, case_id: UUID, decision_id: UUID) -> Case:
        """The case a decision was made on; a NotFoundError naming the decision if there is none."""
        case = self.find(Case, case_id)
        if case is None:
            raise no_such_decision(decision_id)
        return case

    def case_of_decision(self, decision_id: UUID) -> Case | None:
        """The case a decision was made on, through the decision's index; None if no decision has the id."""
        index = self.aggregate(DecisionIndex.create_id(decision_id))
        return self.find(Case, index.case_id) if isinstance(index, DecisionIndex) else None

    def account_of(self, case: Case) -> Account | None:
        """The case's account, if it names one the ledger has registered."""
        return None if case.account_id is None else self.find(Account, Account.create_id(case.account_id))

    def store(self, *aggregates: DocketAggregate | None) -> int:
        """Saves in one transaction (None stands for an aggregate the command did not need); returns the ledger
        position that covers the change."""
        present = [a for a in aggregates if a is not None]
        if not any(a.pending_events for a in present):
            return self.head()
        position = self._write(present)
        for listener in self._listeners:
            listener(position)
        return position

    def retrying(self, command: Callable[[], T]) -> T:
        """Runs a command again when a concurrent writer got there first, after a random pause that grows with each
        attempt; it reloads every time."""
        for attempt in range(MAX_ATTEMPTS - 1):
            try:
                return command()
            except RecordConflictError:
                # Writers racing for one record, as when a provider fails every call at once, spread out rather than
                # collide again in step until their attempts run out.
                time.sleep(random.uniform(0, CONFLICT_PAUSE * 2**attempt))
        try:
            return command()
        except RecordConflictError:
            raise ConflictError("the record kept changing under concurrent writes; try again") from None

    def head(self) -> int:
        return self._application.recorder.max_notification_id() or 0


def _projected(events: list[DomainEventProtocol[UUID]], aggregate: Aggregate | None = None) -> object:
    """The library's `project_aggregate` from nothing (or from `aggregate`), without its runtime protocol check of each
    event (~13 us on Python 3.11, more than decoding the event; a batch loads every policy's history): the ledger
    stores aggregate events alone, each of which mutates."""
    for event in events:
        aggregate = cast(Aggregate.Event, event).mutate(aggregate)
    return aggregate


def _expect(cls: type[A], aggregate_id: UUID, aggregate: object) -> A:
    """`aggregate` as a `cls`, or a ConflictError when an id names another kind of aggregate."""
    if not isinstance(aggregate, cls):
        raise ConflictError(f"{aggregate_id} is a {type(aggregate).__name__}, not a {cls.__name__}")
    return aggregate


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
def _select_events_of(
    recorder: Recorder, ids: list[UUID], after: list[int], keyring: Keyring, accounts: list[str]
) -> list[PersistedEvent] | None:
    """Every stored event of the aggregates `ids` past the version `after` gives each, in one round trip; None if the
    recorder is not one we know. On PostgreSQL, the keys of `accounts` are read in the same round trip, and given to
    `keyring`.

    Aggregate ids are UUIDs (stored as `uuid` on PostgreSQL, as hex text on SQLite), as in the
    library's own `select_events`; on PostgreSQL sent as a binary array, ~1 us an id where text takes ~4 (a bulk write
    looks up three ids a detection). Events come grouped by aggregate, in version order.
    """
    if not ids:
        return []
    if isinstance(recorder, PostgresAggregateRecorder):
        if recorder.datastore.originator_id_type != "uuid":
            return None
        statement = _events_and_keys(recorder.datastore.schema, recorder.events_table_name)
        fresh = [i for i, v in zip(ids, after, strict=True) if not v]
        kept = [(i, v) for i, v in zip(ids, after, strict=True) if v]
        arguments = (fresh, [i for i, _ in kept], [v for _, v in kept], accounts)
        # As tuples: the pool's dict rows cost ~1.5 us each in Python (a retried bulk write reads a thousand).
        with recorder.datastore.get_connection() as connection, connection.cursor(row_factory=tuple_row) as curs:
            rows = curs.execute(statement, arguments, prepare=True).fetchall()
        if accounts:
            keys = [SubjectKey(topic, key_id, bytes(key)) for i, _, topic, key, key_id in rows if i is None]
            keyring.read_with(accounts, {k.account_id: k for k in keys})
        return [PersistedEvent(i, v, topic, bytes(state)) for i, v, topic, state, _ in rows if i is not None]
    if isinstance(recorder, SQLiteAggregateRecorder):
        if recorder.datastore.originator_id_type != "uuid":
            return None
        found = []
        with recorder.datastore.transaction(commit=False) as cursor:
            for start in range(0, len(ids), _SQLITE_CHUNK // 2):
                pairs = zip(ids[start:start + _SQLITE_CHUNK // 2], after[start:start + _SQLITE_CHUNK // 2], strict=True)
                chunk = [value for i, v in pairs for value in (i.hex, v)]
                cursor.execute(
                    f"WITH wanted(id, past) AS (VALUES {','.join(['(?, ?)'] * (len(chunk) // 2))}) "
                    f"SELECT originator_id, originator_version, topic, state FROM {recorder.events_table_name} "
                    "JOIN wanted ON originator_id = wanted.id AND originator_version > wanted.past "
                    "ORDER BY originator_id, originator_version",
                    chunk,
                )
                found += [
                    PersistedEvent(UUID(r["originator_id"]), r["originator_version"], r["topic"], r["state"])
                    for r in cursor.fetchall()
                ]
        return found
    return None


@cache
def _events_and_keys(schema: str, table: str) -> bytes:
    """The statement of `_select_events_of` on PostgreSQL, composed once (~50 us a call otherwise).

    The accounts' keys come in the same statement, as rows without an aggregate (account, key id and key in `topic`,
    `key_id` and `state`): one message each way, where a pipeline of two statements takes four. The aggregates kept
    from an earlier read are read past their versions an index probe each (`OFFSET 0` keeps the planner from joining
    them to the whole table, as its generic plan for an array of unknown length does); the others, as one scan.
    """
    return SQL(
        "SELECT originator_id, originator_version, topic, state, NULL AS key_id FROM {0}.{1} "
        "WHERE originator_id = ANY(%b::uuid[]) "
        "UNION ALL SELECT e.originator_id, e.originator_version, e.topic, e.state, NULL "
        "FROM unnest(%b::uuid[], %b::int8[]) AS kept(id, past), LATERAL (SELECT originator_id, originator_version, "
        "topic, state FROM {0}.{1} WHERE originator_id = kept.id AND originator_version > kept.past OFFSET 0) AS e "
        "UNION ALL SELECT NULL, NULL, account_id, key, key_id FROM {0}.subject_keys "
        "WHERE account_id = ANY(%b::text[]) "
        "ORDER BY 1, 2"
    ).format(Identifier(schema), Identifier(table)).as_bytes(None)

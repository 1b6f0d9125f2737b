"""A process keeps the cases and accounts it read: its next decision on them decodes only the events written since,
however long their histories, and still sees every other process's writes, conflicts and retries as before, and no
personal data an erasure shreds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Mapper, StoredEvent

from app.config.ladders import load_ladders
from app.config.settings import Settings
from app.runtime.wiring import Runtime
from app.write.ledger import Ledger
from app.write.sealing import SealingMapper
from domain.account import Account
from domain.case import Case, Verdict
from domain.ladder import Ladder
from domain.values import Action, ActionType, Outcome, Subject
from tests.integration.test_erasure_on_postgres import facts
from tests.support import MovableClock

SUBJECT = Subject("trust_safety", "pin", "pin-1")
CASE_ID = Case.create_id(SUBJECT)
ACCOUNT_ID = Account.create_id("acct-1")


class DecodeCounting(SealingMapper):
    """The ledger's mapper, noting the aggregate and version of each event it decodes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.decoded: list[tuple[UUID | str, int]] = []

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        self.decoded.append((stored_event.originator_id, stored_event.originator_version))
        return super().to_domain_event(stored_event)


class CountingLedger(Ledger):
    """A second process's ledger, whose decoding is counted."""

    name = Ledger.name  # the library names an application's tables after its class otherwise
    mapper: DecodeCounting

    def construct_mapper(self) -> Mapper[UUID]:
        made = super().construct_mapper()
        assert isinstance(made, SealingMapper)
        return DecodeCounting(
            keyring=self.keyring, transcoder=made.transcoder, cipher=made.cipher, compressor=made.compressor
        )

    def decoded_versions(self, aggregate_id: UUID) -> list[int]:
        return [v for i, v in self.mapper.decoded if i == aggregate_id]


def _open(database_url: str, clock: MovableClock, ladders: Callable[[str], Ladder]) -> CountingLedger:
    settings = Settings(database_url=database_url)
    env = settings.database.library_env(settings.sqlite_write_timeout, settings.database_connections)
    return CountingLedger(env=env, clock=clock, ladders=ladders)


@pytest.fixture
def other(database_url: str, clock: MovableClock, runtime: Runtime) -> Iterator[CountingLedger]:
    """A second process on the runtime's ledger."""
    with closing(_open(database_url, clock, load_ladders())) as opened:
        yield opened


def _verdict(n: int) -> Verdict:
    if n % 2:
        return Verdict(Outcome.NOT_VIOLATING, (), "fine after all", idempotency_key=f"k-{n}")
    return Verdict(Outcome.VIOLATING, (Action(ActionType.DEMOTE),), "spam", idempotency_key=f"k-{n}")


def _decide(ledger: Ledger, n: int) -> UUID:
    return ledger.decide(SUBJECT, "spam", _verdict(n), [], "acct-1", "reviewer").decision.decision_id


@pytest.mark.parametrize("history", [20, 120])
def test_a_process_decides_on_a_case_it_read_before_decoding_only_the_events_written_since(
    runtime: Runtime, other: CountingLedger, history: int
) -> None:
    for n in range(history):
        _decide(runtime.ledger, n)
    _decide(other, history)  # reads the whole of both histories, and keeps them
    read = {i: max(other.decoded_versions(i)) for i in (CASE_ID, ACCOUNT_ID)}
    elsewhere = _decide(runtime.ledger, history + 1)  # another process's write
    stored = {i: runtime.ledger.aggregate(i).version for i in (CASE_ID, ACCOUNT_ID)}  # type: ignore[attr-defined]
    other.mapper.decoded.clear()

    made = other.decide(SUBJECT, "spam", _verdict(history + 2), [], "acct-1", "reviewer")

    for aggregate_id in (CASE_ID, ACCOUNT_ID):  # its own write's events and the other process's, no more
        assert other.decoded_versions(aggregate_id) == list(range(read[aggregate_id] + 1, stored[aggregate_id] + 1))
    assert made.decision.supersedes == elsewhere  # caught up with the other process's decision
    assert vars(other.aggregate(CASE_ID)) == vars(made.case)


def test_a_decision_whose_kept_case_changes_before_its_write_runs_again_on_the_change(
    runtime: Runtime, database_url: str, clock: MovableClock
) -> None:
    _decide(runtime.ledger, 0)
    interloper: list[UUID] = []

    def ladders(domain: str) -> Ladder:
        """Read between the decision's load and its write: another process decides the case there, once."""
        if not interloper and len(runtime.ledger.aggregate(CASE_ID).decisions) == 2:  # type: ignore[attr-defined]
            interloper.append(_decide(runtime.ledger, 3))
        return load_ladders()(domain)

    with closing(_open(database_url, clock, ladders)) as other:
        _decide(other, 1)  # read and kept
        made = other.decide(SUBJECT, "spam", _verdict(2), [], "acct-1", "reviewer")

        assert interloper and made.decision.supersedes == interloper[0]
        assert vars(other.aggregate(CASE_ID)) == vars(made.case)
        assert vars(runtime.ledger.aggregate(ACCOUNT_ID)) == vars(other.aggregate(ACCOUNT_ID))
        assert other.decide(SUBJECT, "spam", _verdict(2), [], "acct-1", "reviewer").created is False  # a retry


def test_a_kept_case_holds_none_of_its_notes_so_an_erasure_leaves_nothing_readable(
    runtime: Runtime, other: CountingLedger
) -> None:
    runtime.ledger.record_detection(facts(runtime, 1), "pipeline")
    _decide(other, 0)  # the case opened with its account, whose key seals its notes
    runtime.ledger.add_case_note(SUBJECT, "spam", "she wrote from +33 6 12 34 56 78", "reviewer")
    _decide(other, 1)  # the case read and kept, its note with it
    other.erase_account_data("acct-1", "asked", "dpo")

    case = other.work.load_all(Case, [CASE_ID])[CASE_ID]

    assert "+33 6 12 34 56 78" not in repr(vars(case))
    assert len(case.decisions) == 2

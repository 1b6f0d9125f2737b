"""The ledger's bulk commands: decide many subjects under one verdict, and roll such a batch back.

A batch is recorded whole before anything is decided. It then runs in chunks: each chunk loads its
cases and accounts together and saves them with the batch's record of the chunk in one
transaction, so every subject is decided (or undone) atomically and exactly once, and a batch
interrupted at any point resumes after its last saved chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeVar
from uuid import UUID, uuid4

from eventsourcing.persistence import RecordConflictError

from app.write.corrections import correct
from app.write.deciding import Deciding
from app.write.unit_of_work import UnitOfWork
from domain.account import Account
from domain.base import DocketAggregate, natural_id
from domain.batch import (
    Batch,
    BatchSubject,
    SubjectResult,
    SubjectStatus,
    check_subjects,
)
from domain.case import Case, Verdict
from domain.errors import ConflictError, DocketError, no_such_batch

A = TypeVar("A", bound=DocketAggregate)

CHUNK = 250
"""Subjects per transaction: large enough to amortise a save, small enough to keep each one short."""


@dataclass(frozen=True)
class BatchRun:
    batch: Batch
    position: int
    created: bool


@dataclass
class Batches:
    work: UnitOfWork

    def bulk_decide(
        self, policy_key: str, verdict: Verdict, subjects: list[BatchSubject], idempotency_key: str | None, actor: str
    ) -> BatchRun:
        """Starts a batch and runs it to the end; a retry with the same key resumes it and decides nothing twice."""
        check_subjects(subjects, subjects[0].subject.domain if subjects else "")
        verdict.validate()
        batch_id = uuid4() if idempotency_key is None else Batch.create_id(actor, idempotency_key)

        def start() -> bool:
            batch = self.work.find(Batch, batch_id)
            if batch is not None:
                batch.check_retry(policy_key, verdict, subjects)
                return False
            policy = self.work.get_policy(subjects[0].subject.domain, policy_key)
            self.work.store(Batch.start(batch_id, policy, verdict, subjects, idempotency_key, actor, self.work.clock()))
            return True

        created = self.work.retrying(start)
        return BatchRun(self.resume_batch(batch_id), self.work.head(), created)

    def reverse_batch(self, batch_id: UUID, rationale: str, actor: str) -> BatchRun:
        """Stops a batch and undoes every decision it made, strikes included; asked again, it finishes the undoing."""

        def start() -> None:
            batch = self.get_batch(batch_id)
            batch.start_reversal(rationale, actor, self.work.clock())
            self.work.store(batch)

        self.work.retrying(start)
        return BatchRun(self.resume_batch(batch_id), self.work.head(), False)

    def resume_batch(self, batch_id: UUID) -> Batch:
        """Finishes what a batch was doing when it stopped: deciding, or undoing."""
        run = _Run()

        def step() -> bool:
            if run.batch is None:
                run.batch = self.get_batch(batch_id)
            loaded = run.batch.version
            try:
                more = self._decide_chunk(run) or self._reverse_chunk(run)
            except BaseException as error:
                run.forget()  # what it holds may have unsaved events, or be stale after a conflict
                if not isinstance(error, RecordConflictError):
                    raise
                run.batch = self.get_batch(batch_id)
                if run.batch.version > loaded:
                    return True  # another runner saved a chunk of this batch: progress, so no attempt is spent
                run.narrow()
                raise
            run.widen()
            return more

        while self.work.retrying(step):
            pass
        assert run.batch is not None
        return run.batch

    def get_batch(self, batch_id: UUID) -> Batch:
        batch = self.work.find(Batch, batch_id)
        if batch is None:
            raise no_such_batch(batch_id)
        return batch

    def _decide_chunk(self, run: _Run) -> bool:
        """Decides the next chunk of subjects in one transaction; False when none is pending."""
        batch = run.current
        chunk = batch.pending(run.size)
        if not chunk:
            return False
        now, actor = self.work.clock(), batch.started_by
        policy = self.work.get_policy(batch.domain, batch.policy_key)
        cases, accounts = run.load(self.work, [item for _, item in chunk])
        deciding = Deciding.load(self.work, policy, cases, accounts, actor, now)
        try:
            policy.check_allows(tuple(a.type for a in batch.verdict.actions))
        except DocketError as error:  # retired, or narrowed, since the batch started
            results = [SubjectResult(index, SubjectStatus.FAILED, reason=error.message) for index, _ in chunk]
        else:
            results = [_decide_subject(deciding, batch, index, item) for index, item in chunk]
        batch.record_decided(results, actor, now)
        self.work.store(batch, *deciding.changed())
        run.keep(deciding.cases, deciding.accounts)
        return True

    def _reverse_chunk(self, run: _Run) -> bool:
        """Undoes the next chunk of the batch's decisions in one transaction; False when none is left."""
        batch = run.current
        chunk = batch.to_reverse(run.size)
        if not chunk:
            return False
        now, actor = self.work.clock(), batch.reversed_by
        assert actor is not None, "a batch is reversed only after reverse_batch records who reversed it"
        items = [batch.subjects[r.index] for r in chunk]
        cases, accounts = run.load(self.work, items)
        results = []
        for result, item in zip(chunk, items, strict=True):
            case = cases[Case.create_id(item.subject)]
            account = accounts.get(Account.create_id(item.account_id))
            assert result.decision_id is not None
            try:
                correct(
                    case, account, result.decision_id, f"batch {batch.id} reversed: {batch.reversal_rationale}",
                    f"batch {batch.id} reversed", actor, now,
                )
            except DocketError as error:  # superseded or reversed since: the later decision stands
                results.append(replace(result, status=SubjectStatus.KEPT, reason=error.message))
            else:
                results.append(replace(result, status=SubjectStatus.REVERSED))
        batch.record_reversed(results, actor, now)
        self.work.store(batch, *cases.values(), *accounts.values())
        run.keep(cases, accounts)
        return True


class _Run:
    """A batch and the aggregates its chunks loaded, kept while every save succeeds: a wave's accounts recur."""

    def __init__(self) -> None:
        self.batch: Batch | None = None
        self._cases: dict[UUID, Case] = {}
        self._accounts: dict[UUID, Account] = {}
        self.size = CHUNK
        """Subjects per transaction: halved after a conflict, so reviewers deciding the same accounts meanwhile
        cannot starve the batch; doubled back after each success."""

    def narrow(self) -> None:
        self.size = max(1, self.size // 2)

    def widen(self) -> None:
        self.size = min(CHUNK, self.size * 2)

    @property
    def current(self) -> Batch:
        assert self.batch is not None
        return self.batch

    def load(self, work: UnitOfWork, items: list[BatchSubject]) -> tuple[dict[UUID, Case], dict[UUID, Account]]:
        """The cases and accounts of `items` that exist, loading only those not already held."""
        cases = _held(work, self._cases, Case, [Case.create_id(i.subject) for i in items])
        accounts = _held(work, self._accounts, Account, [Account.create_id(i.account_id) for i in items])
        return cases, accounts

    def keep(self, cases: dict[UUID, Case], accounts: dict[UUID, Account]) -> None:
        self._cases.update(cases)
        self._accounts.update(accounts)

    def forget(self) -> None:
        self.batch = None
        self._cases.clear()
        self._accounts.clear()


def _held(work: UnitOfWork, held: dict[UUID, A], cls: type[A], ids: list[UUID]) -> dict[UUID, A]:
    """The aggregates among `ids` that exist, reading only those not in `held` (which keeps them)."""
    held.update(work.load_all(cls, [i for i in ids if i not in held]))
    return {i: held[i] for i in ids if i in held}


def _decide_subject(deciding: Deciding, batch: Batch, index: int, item: BatchSubject) -> SubjectResult:
    """Decides one subject of a batch, or says why not: decided by this batch already, or by another decision the
    same way, or the case belongs to another account, or a reviewer holds it."""
    case_id = Case.create_id(item.subject)
    decision_id = natural_id("decision", str(case_id), f"batch/{batch.id}")
    case = deciding.cases.get(case_id)
    if case is not None:
        if decision_id in case.decisions:
            return SubjectResult(index, SubjectStatus.SKIPPED, decision_id, "already decided under this batch")
        live = case.live_decision(batch.policy_key)
        if live is not None and live.outcome is batch.verdict.outcome:
            reason = f"already {live.outcome} under {batch.policy_key} by decision {live.decision_id}"
            return SubjectResult(index, SubjectStatus.SKIPPED, None, reason)
        if case.account_id is not None and case.account_id != item.account_id:
            reason = f"the subject belongs to account {case.account_id}, not {item.account_id}"
            return SubjectResult(index, SubjectStatus.FAILED, None, reason)
    try:  # a reviewer working the case keeps it: a wave does not decide over their claim
        case = deciding.case(item.subject, item.account_id)
    except ConflictError as error:
        return SubjectResult(index, SubjectStatus.FAILED, None, error.message)
    deciding.decide(case, decision_id, batch.verdict, [], item.account_id)
    return SubjectResult(index, SubjectStatus.DECIDED, decision_id)

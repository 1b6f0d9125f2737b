"""Batch: one verdict applied to many subjects, recorded as it goes so that a crash resumes where it stopped."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.case import Verdict
from domain.errors import ConflictError, ValidationError
from domain.policy import Policy
from domain.values import Outcome, Subject, check_identifier, check_text

MAX_SUBJECTS = 10_000


class BatchStatus(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    REVERSING = "REVERSING"
    REVERSED = "REVERSED"


class SubjectStatus(StrEnum):
    DECIDED = "DECIDED"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"
    REVERSED = "REVERSED"
    KEPT = "KEPT"
    """Decided, and left alone by the reversal: its decision was no longer live."""


@dataclass(frozen=True)
class BatchSubject:
    """A subject of a batch and the account its strike goes to."""

    subject: Subject
    account_id: str


@dataclass(frozen=True)
class SubjectResult:
    """What became of one subject, by its place in the batch."""

    index: int
    status: SubjectStatus
    decision_id: UUID | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", SubjectStatus(self.status))


class Batch(DocketAggregate):
    """A bulk decision: started with every subject, then decided and perhaps reversed in chunks."""

    if TYPE_CHECKING:
        policy_key: str
        verdict: Verdict
        subjects: tuple[BatchSubject, ...]
        fingerprint: str
        status: BatchStatus
        results: dict[int, SubjectResult]
        """Each decided or reversed subject's outcome, by its place in the batch."""
        started_by: str
        reversal_rationale: str | None
        reversed_by: str | None
        started_at: datetime
        completed_at: datetime | None
        reversal_started_at: datetime | None
        reversed_at: datetime | None

    @staticmethod
    def create_id(actor: str, idempotency_key: str) -> UUID:
        return natural_id("batch", actor, idempotency_key)

    class Started(DocketAggregate.Created):
        policy_key: str
        verdict: Verdict
        subjects: tuple[BatchSubject, ...]
        fingerprint: str
        idempotency_key: str | None

        def apply(self, batch: Batch) -> None:
            batch.policy_key = self.policy_key
            batch.verdict = self.verdict
            batch.subjects = tuple(self.subjects)
            batch.fingerprint = self.fingerprint
            batch.status = BatchStatus.RUNNING
            batch.results = {}
            batch.started_at = self.occurred_at
            batch.started_by = self.actor
            batch.completed_at = None
            batch.reversal_rationale = None
            batch.reversal_started_at = None
            batch.reversed_by = None
            batch.reversed_at = None

    class SubjectsDecided(DocketAggregate.Event):
        results: tuple[SubjectResult, ...]

        def apply(self, batch: Batch) -> None:
            batch.results.update((r.index, r) for r in self.results)

    class Completed(DocketAggregate.Event):
        def apply(self, batch: Batch) -> None:
            batch.status = BatchStatus.COMPLETED
            batch.completed_at = self.occurred_at

    class ReversalStarted(DocketAggregate.Event):
        rationale: str

        def apply(self, batch: Batch) -> None:
            batch.status = BatchStatus.REVERSING
            batch.reversal_rationale = self.rationale
            batch.reversal_started_at = self.occurred_at
            batch.reversed_by = self.actor

    class SubjectsReversed(DocketAggregate.Event):
        results: tuple[SubjectResult, ...]

        def apply(self, batch: Batch) -> None:
            batch.results.update((r.index, r) for r in self.results)

    class Reversed(DocketAggregate.Event):
        def apply(self, batch: Batch) -> None:
            batch.status = BatchStatus.REVERSED
            batch.reversed_at = self.occurred_at

    @classmethod
    def start(
        cls,
        batch_id: UUID,
        policy: Policy,
        verdict: Verdict,
        subjects: list[BatchSubject],
        idempotency_key: str | None,
        actor: str,
        at: datetime,
    ) -> Batch:
        """Records the whole order before anything is decided; a bad input refuses it all."""
        check_subjects(subjects, policy.domain)
        verdict.validate()
        policy.check_allows(tuple(a.type for a in verdict.actions))
        return cls._start(
            cls.Started, batch_id, actor, at, policy_key=policy.key, verdict=replace(verdict, batch_id=batch_id),
            subjects=tuple(subjects), fingerprint=fingerprint(policy.key, verdict, subjects),
            idempotency_key=idempotency_key,
        )

    @property
    def domain(self) -> str:
        return self.subjects[0].subject.domain

    def check_retry(self, policy_key: str, verdict: Verdict, subjects: list[BatchSubject]) -> None:
        """A retry under the batch's idempotency key must ask for exactly the same thing."""
        if fingerprint(policy_key, verdict, subjects) != self.fingerprint:
            raise ConflictError(f"idempotency key was already used for another bulk decision (batch {self.id})")

    def pending(self, limit: int) -> list[tuple[int, BatchSubject]]:
        """The next subjects to decide, in order; none once the batch is no longer running."""
        if self.status is not BatchStatus.RUNNING:
            return []
        start = len(self.results)
        return list(enumerate(self.subjects[start:start + limit], start))

    def record_decided(self, results: list[SubjectResult], actor: str, at: datetime) -> None:
        """Records a chunk's outcomes; the last chunk completes the batch."""
        self._record(self.SubjectsDecided, actor, at, results=tuple(results))
        if len(self.results) == len(self.subjects):
            self._record(self.Completed, actor, at)

    def start_reversal(self, rationale: str, actor: str, at: datetime) -> None:
        """Stops deciding and starts undoing; asked again while undoing, it goes on where it stopped."""
        check_text(rationale, "rationale")
        if self.status is BatchStatus.REVERSED:
            raise ConflictError(f"batch {self.id} was already reversed")
        if self.verdict.outcome is not Outcome.VIOLATING:
            raise ConflictError(f"batch {self.id} decided NOT_VIOLATING: it has no actions or strikes to reverse")
        if self.status is BatchStatus.REVERSING:
            return
        self._record(self.ReversalStarted, actor, at, rationale=rationale)
        self._finish_reversal(actor, at)

    def to_reverse(self, limit: int) -> list[SubjectResult]:
        """The next decided subjects to undo, while reversing."""
        if self.status is not BatchStatus.REVERSING:
            return []
        return [r for r in self.results.values() if r.status is SubjectStatus.DECIDED][:limit]

    def record_reversed(self, results: list[SubjectResult], actor: str, at: datetime) -> None:
        """Records a chunk's reversals; when no decided subject is left, the batch is reversed."""
        self._record(self.SubjectsReversed, actor, at, results=tuple(results))
        self._finish_reversal(actor, at)

    def _finish_reversal(self, actor: str, at: datetime) -> None:
        if not self.to_reverse(1):
            self._record(self.Reversed, actor, at)

    def counts(self) -> Counter[SubjectStatus]:
        return Counter(r.status for r in self.results.values())


def check_subjects(subjects: list[BatchSubject], domain: str) -> None:
    """Between 1 and MAX_SUBJECTS subjects of the policy's domain, each named once, each with an account."""
    if not 0 < len(subjects) <= MAX_SUBJECTS:
        raise ValidationError(f"a batch takes 1 to {MAX_SUBJECTS} subjects, not {len(subjects)}", "subjects")
    seen: dict[Subject, int] = {}
    for index, item in enumerate(subjects):
        field = f"subjects[{index}]"
        try:
            item.subject.validate()
            check_identifier(item.account_id, "accountId")
        except ValidationError as error:
            raise ValidationError(f"{field}: {error.message}", f"{field}.{error.field}") from None
        if item.subject.domain != domain:
            raise ValidationError(
                f"{field}: the subject is in {item.subject.domain}, the policy in {domain}", f"{field}.subject.domain"
            )
        if item.subject in seen:
            raise ValidationError(
                f"{field}: {item.subject.key} is already subjects[{seen[item.subject]}]", f"{field}.subject"
            )
        seen[item.subject] = index


def fingerprint(policy_key: str, verdict: Verdict, subjects: list[BatchSubject]) -> str:
    """A digest of what a batch asks for, to tell a retry from a different request under the same key."""
    order: tuple[object, ...] = (policy_key, replace(verdict, batch_id=None, idempotency_key=None), tuple(subjects))
    if verdict.dsa is not None:
        order += (verdict.dsa,)
    return hashlib.sha256(repr(order).encode()).hexdigest()

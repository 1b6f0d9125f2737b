"""The ledger's detection commands: record detections in batches of up to MAX_BULK, each at most once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar
from uuid import UUID

from app.write.unit_of_work import UnitOfWork
from domain.case import Case
from domain.detection import Detection, DetectionFacts
from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.indexes import SubjectIndex, note_detection
from domain.policy import Policy
from domain.values import Subject

T = TypeVar("T")

MAX_BULK = 1000
READ_AHEAD_MOST = 64
"""The most detections a batch reads its subjects for with the detections themselves (see `_record_new`)."""


@dataclass(frozen=True)
class DetectionRecorded:
    detection: Detection
    position: int
    created: bool


@dataclass
class Detections:
    work: UnitOfWork

    def record_detection(self, facts: DetectionFacts, actor: str) -> DetectionRecorded:
        return self.record_detections([facts], actor)[0]

    def record_detections(self, batch: list[DetectionFacts], actor: str) -> list[DetectionRecorded]:
        """Records a batch in one transaction; a detection already recorded is returned as it was."""
        if len(batch) > MAX_BULK:
            raise ValidationError(f"at most {MAX_BULK} detections per call", "inputs")
        for index, facts in enumerate(batch):
            _indexed(index, len(batch), facts.validate)
        return self.work.retrying(lambda: self._record_new(batch, actor))

    def _record_new(self, batch: list[DetectionFacts], actor: str) -> list[DetectionRecorded]:
        """Records the detections not recorded yet, each noted in its subject's index, in one transaction.

        A batch of up to READ_AHEAD_MOST, as a lone detection, reads what it needs (its policies, its detections, their
        subjects' indexes and cases, their accounts' keys) in one round trip before its write. A larger one reads its
        subjects and their accounts' keys in a second, for the detections not recorded yet: a round trip is little
        against a thousand detections' encoding, and a pipeline's retry of a thousand would read two thousand
        aggregates and their keys for nothing.
        """
        now = self.work.clock()
        names = list(dict.fromkeys((f.subject.domain, f.policy_key) for f in batch))
        policy_ids = [Policy.create_id(*name) for name in names]
        ids = [Detection.create_id(f.source, f.external_id) for f in batch]
        ahead = len(batch) <= READ_AHEAD_MOST
        of_subject = _named(f.subject for f in batch) if ahead else {}
        found = self.work.load_many(
            [*policy_ids, *ids, *_subject_ids(of_subject.values() if ahead else ())], _accounts(batch) if ahead else ()
        )
        policies = self._policies(batch, found)
        existing = self.work.of_kind(Detection, found, ids)
        fresh: dict[UUID, Detection] = {}
        for index, (detection_id, facts) in enumerate(zip(ids, batch, strict=True)):
            known = existing.get(detection_id) if existing else None  # an id's hash is a call of UUID's, ~0.2 us
            if known is None:
                known = fresh.get(detection_id)
            if known is not None:
                _indexed(index, len(batch), partial(known.check_retry, facts))
            else:
                policy = policies[(facts.subject.domain, facts.policy_key)]
                fresh[detection_id] = Detection.record(facts, policy.policy_version, actor, now)
        if not ahead:  # named only for what it writes: a name is two hashes, ~10 us a detection of a retry
            of_subject = _named(d.facts.subject for d in fresh.values())
            # The keys read here are the ones the write's new keys are made against (`Ledger._keys_for`), not asked
            # for again there.
            found = self.work.load_many(_subject_ids(of_subject.values()), _accounts(d.facts for d in fresh.values()))
        # Each detection's subject looked up once: a subject's hash is a call of its dataclass's, ~0.5 us.
        names_of = [of_subject[d.facts.subject] for d in fresh.values()]
        written = list(dict.fromkeys(names_of))
        indexes = self.work.of_kind(SubjectIndex, found, [i.index for i in written])
        cases = self.work.of_kind(Case, found, [i.case for i in written])
        for detection, named in zip(fresh.values(), names_of, strict=True):
            indexes[named.index] = note_detection(
                indexes.get(named.index), cases.get(named.case) if cases else None, detection.facts, actor, now
            )
        # The indexes first: a write's position is then that of an event the ledger's readers show.
        position = self.work.store(*indexes.values(), *fresh.values())
        return [
            DetectionRecorded(made, position, True) if (made := fresh.get(i)) is not None
            else DetectionRecorded(existing[i], position, False)
            for i in ids
        ]

    def _policies(self, batch: list[DetectionFacts], loaded: dict[UUID, object]) -> dict[tuple[str, str], Policy]:
        """The policy each detection names, checked to exist and to allow a detection, in input order."""
        policies: dict[tuple[str, str], Policy] = {}
        for index, facts in enumerate(batch):
            name = (facts.subject.domain, facts.policy_key)
            if name not in policies:  # checked at its first input: what fails there fails each of its inputs alike
                policies[name] = _indexed(index, len(batch), partial(self.work.loaded_policy, loaded, *name))
                _indexed(index, len(batch), partial(policies[name].check_allows, ()))
        return policies


class _SubjectIds:
    """A subject's index and case ids, named once for a batch (each is a hash)."""

    __slots__ = ("case", "index")

    def __init__(self, subject: Subject) -> None:
        self.index = SubjectIndex.create_id(subject)
        self.case = Case.create_id(subject)


def _named(subjects: Iterable[Subject]) -> dict[Subject, _SubjectIds]:
    """Each subject's ids, once."""
    return {s: _SubjectIds(s) for s in dict.fromkeys(subjects)}


def _subject_ids(subjects: Iterable[_SubjectIds]) -> list[UUID]:
    """The ids of the subjects' indexes and cases."""
    named = list(subjects)
    return [*(n.index for n in named), *(n.case for n in named)]


def _accounts(batch: Iterable[DetectionFacts]) -> list[str]:
    """The accounts the detections name, whose keys seal their personal data."""
    return [f.account_id for f in batch if f.account_id is not None]


def _indexed(index: int, size: int, check: Callable[[], T]) -> T:
    """Runs a check; in a batch, the failing field is named with the input's index."""
    try:
        return check()
    except ValidationError as error:
        if size == 1:
            raise
        raise ValidationError(f"inputs[{index}]: {error.message}", f"inputs[{index}].{error.field}") from None
    except (NotFoundError, ConflictError) as error:
        if size == 1:
            raise
        raise type(error)(f"inputs[{index}]: {error.message}") from None

"""Batch: the whole order recorded first, chunks recorded as they commit, and a rollback that can resume."""

from collections.abc import Callable

import pytest

from domain.base import natural_id
from domain.batch import (
    MAX_SUBJECTS,
    Batch,
    BatchStatus,
    BatchSubject,
    SubjectResult,
    SubjectStatus,
)
from domain.case import Verdict
from domain.errors import ConflictError, ValidationError
from domain.values import Action, ActionType, Subject
from tests.domain.factories import (
    DOMAIN,
    T0,
    at,
    not_violating,
    published_policy,
    violating,
)

BATCH_ID = natural_id("test-batch", "1")


def subjects(count: int, domain: str = DOMAIN) -> list[BatchSubject]:
    return [BatchSubject(Subject(domain, "pin", f"pin-{i}"), f"acct-{i % 3}") for i in range(count)]


def started(count: int = 5, verdict: Callable[[], Verdict] = violating) -> Batch:
    batch = Batch.start(BATCH_ID, published_policy(), verdict(), subjects(count), "key-1", "reviewer:alice", T0)
    batch.collect_events()
    return batch


def decided_all(batch: Batch, decided: int) -> list[SubjectResult]:
    """Records every pending subject as decided (the first `decided`) or skipped, in one chunk."""
    results = [
        SubjectResult(i, SubjectStatus.DECIDED, natural_id("d", str(i))) if i < decided
        else SubjectResult(i, SubjectStatus.SKIPPED, reason="already VIOLATING")
        for i, _ in batch.pending(MAX_SUBJECTS)
    ]
    batch.record_decided(results, "reviewer:alice", at(minutes=1))
    batch.collect_events()
    return results


def test_starting_records_every_subject_and_tags_the_verdict_with_the_batch() -> None:
    batch = Batch.start(BATCH_ID, published_policy(), violating(), subjects(3), "key-1", "reviewer:alice", T0)

    [event] = batch.collect_events()

    assert isinstance(event, Batch.Started)
    assert list(event.subjects) == subjects(3)
    assert event.verdict.batch_id == BATCH_ID
    assert (batch.status, batch.started_by, batch.domain, batch.policy_key) == (
        BatchStatus.RUNNING, "reviewer:alice", DOMAIN, "spam",
    )
    assert batch.id == BATCH_ID


def test_subjects_are_handed_out_in_order_and_the_last_chunk_completes_the_batch() -> None:
    batch = started(5)

    first = batch.pending(2)
    batch.record_decided([SubjectResult(i, SubjectStatus.DECIDED, natural_id("d", str(i))) for i, _ in first],
                         "reviewer:alice", at(minutes=1))
    rest = batch.pending(10)
    batch.record_decided([SubjectResult(i, SubjectStatus.FAILED, reason="no") for i, _ in rest],
                         "reviewer:alice", at(minutes=2))

    assert [i for i, _ in first] == [0, 1] and [i for i, _ in rest] == [2, 3, 4]
    assert [type(e).__name__ for e in batch.collect_events()] == ["SubjectsDecided", "SubjectsDecided", "Completed"]
    assert batch.status is BatchStatus.COMPLETED and batch.pending(10) == []
    assert batch.counts() == {SubjectStatus.DECIDED: 2, SubjectStatus.FAILED: 3}


@pytest.mark.parametrize(
    ("order", "field"),
    [
        (subjects(MAX_SUBJECTS + 1), "subjects"),
        ([], "subjects"),
        (subjects(3) + subjects(1), "subjects[3].subject"),
        (subjects(2) + subjects(1, domain="ads"), "subjects[2].subject.domain"),
        ([BatchSubject(Subject(DOMAIN, "pin", "pin 1"), "a")], "subjects[0].subject.id"),
        ([BatchSubject(Subject(DOMAIN, "pin", "pin-1"), "")], "subjects[0].accountId"),
    ],
    ids=["over-limit", "empty", "duplicate", "other-domain", "bad-subject", "bad-account"],
)
def test_a_bad_order_is_refused_whole(order: list[BatchSubject], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Batch.start(BATCH_ID, published_policy(), violating(), order, None, "reviewer:alice", T0)

    assert raised.value.field == field


def test_a_verdict_the_policy_does_not_allow_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        Batch.start(BATCH_ID, published_policy(), violating(Action(ActionType.REJECT_AD)), subjects(2), None,
                    "reviewer:alice", T0)

    assert raised.value.field == "actions"


def test_a_retry_must_ask_for_the_same_thing() -> None:
    batch = started(3)

    batch.check_retry("spam", violating(), subjects(3))
    with pytest.raises(ConflictError):
        batch.check_retry("spam", violating(), subjects(4))
    with pytest.raises(ConflictError):
        batch.check_retry("spam", violating(rationale="Something else."), subjects(3))


def test_a_rollback_undoes_only_what_was_decided_and_finishes_when_none_is_left() -> None:
    batch = started(4)
    decided_all(batch, decided=3)

    batch.start_reversal("misfire", "reviewer:bo", at(minutes=5))
    todo = batch.to_reverse(2)
    batch.record_reversed([SubjectResult(r.index, SubjectStatus.REVERSED, r.decision_id) for r in todo],
                          "reviewer:bo", at(minutes=6))
    last = batch.to_reverse(2)
    batch.record_reversed([SubjectResult(last[0].index, SubjectStatus.KEPT, last[0].decision_id, "superseded")],
                          "reviewer:bo", at(minutes=7))

    assert [r.index for r in todo] == [0, 1] and [r.index for r in last] == [2]
    assert [type(e).__name__ for e in batch.collect_events()] == [
        "ReversalStarted", "SubjectsReversed", "SubjectsReversed", "Reversed",
    ]
    assert (batch.status, batch.reversed_by, batch.reversal_rationale) == (
        BatchStatus.REVERSED, "reviewer:bo", "misfire",
    )
    assert batch.counts() == {SubjectStatus.REVERSED: 2, SubjectStatus.KEPT: 1, SubjectStatus.SKIPPED: 1}


def test_a_rollback_of_a_running_batch_stops_it_deciding() -> None:
    batch = started(5)
    batch.record_decided([SubjectResult(0, SubjectStatus.DECIDED, natural_id("d", "0"))], "reviewer:alice", at(1))

    batch.start_reversal("misfire", "reviewer:bo", at(minutes=5))

    assert batch.pending(10) == []
    assert [r.index for r in batch.to_reverse(10)] == [0]


def test_a_rollback_with_nothing_decided_finishes_at_once() -> None:
    batch = started(2)
    decided_all(batch, decided=0)

    batch.start_reversal("misfire", "reviewer:bo", at(minutes=5))

    assert [type(e).__name__ for e in batch.collect_events()] == ["ReversalStarted", "Reversed"]


def test_asking_again_during_a_rollback_records_nothing_and_after_it_conflicts() -> None:
    batch = started(2)
    decided_all(batch, decided=2)
    batch.start_reversal("misfire", "reviewer:bo", at(minutes=5))
    batch.collect_events()

    batch.start_reversal("misfire", "reviewer:bo", at(minutes=6))
    assert batch.collect_events() == []

    batch.record_reversed([SubjectResult(r.index, SubjectStatus.REVERSED, r.decision_id) for r in batch.to_reverse(9)],
                          "reviewer:bo", at(minutes=7))
    with pytest.raises(ConflictError, match="already reversed"):
        batch.start_reversal("misfire", "reviewer:bo", at(minutes=8))


def test_a_not_violating_batch_or_a_blank_rationale_cannot_start_a_rollback() -> None:
    cleared = started(2, verdict=not_violating)
    decided_all(cleared, decided=2)

    with pytest.raises(ConflictError, match="NOT_VIOLATING"):
        cleared.start_reversal("misfire", "reviewer:bo", at(minutes=5))
    with pytest.raises(ValidationError):
        started(2).start_reversal(" ", "reviewer:bo", at(minutes=5))


def test_replaying_the_events_rebuilds_the_same_batch() -> None:
    batch = Batch.start(BATCH_ID, published_policy(), violating(), subjects(3), "key-1", "reviewer:alice", T0)
    batch.record_decided([SubjectResult(i, SubjectStatus.DECIDED, natural_id("d", str(i))) for i in range(3)],
                         "reviewer:alice", at(minutes=1))
    batch.start_reversal("misfire", "reviewer:bo", at(minutes=2))
    events = batch.collect_events()

    copy = None
    for event in events:
        copy = event.mutate(copy)

    assert copy is not None
    assert (copy.status, copy.results, copy.subjects, copy.reversed_by) == (
        batch.status, batch.results, batch.subjects, batch.reversed_by,
    )

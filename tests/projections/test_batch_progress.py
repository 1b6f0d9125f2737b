"""The batch progress read model, fed with real batch events: counts, status, subjects, and stalled batches."""

import pytest

from app.read.store import ReadStore
from domain.base import natural_id
from domain.batch import Batch, BatchSubject, SubjectResult, SubjectStatus
from domain.values import ActionType, Subject
from projections.batch import CHUNK
from projections.batch_progress.projection import BatchProgressProjection
from projections.batch_progress.queries import (
    batch_subjects,
    find_batch,
    unfinished_batches,
)
from tests.domain.factories import DOMAIN, T0, at, published_policy, violating
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_one_and_many

BATCH_ID = natural_id("test-batch", "1")


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, BatchProgressProjection())


def started(feed: Feed, count: int = 4) -> Batch:
    order = [BatchSubject(Subject(DOMAIN, "pin", f"pin-{i}"), f"acct-{i % 2}") for i in range(count)]
    batch = Batch.start(BATCH_ID, published_policy(), violating(), order, None, "reviewer:alice", T0)
    feed.save(batch)
    return batch


def decided(index: int) -> SubjectResult:
    return SubjectResult(index, SubjectStatus.DECIDED, natural_id("d", str(index)))


def test_a_started_batch_is_running_with_every_subject_pending(feed: Feed) -> None:
    started(feed, count=CHUNK + 3)

    row = feed.read(find_batch, str(BATCH_ID))
    pending = feed.read(batch_subjects, str(BATCH_ID), "PENDING", -1, 1000)

    assert row is not None
    assert (row.status, row.total, row.decided, row.domain, row.policy_key, row.outcome) == (
        "RUNNING", CHUNK + 3, 0, DOMAIN, "spam", "VIOLATING",
    )
    assert [a.type for a in row.actions] == [ActionType.REMOVE]
    assert (row.started_at, row.started_by, row.completed_at) == (T0, "reviewer:alice", None)
    assert [s.index for s in pending] == list(range(CHUNK + 3))
    assert (pending[3].subject, pending[3].account_id) == (Subject(DOMAIN, "pin", "pin-3"), "acct-1")


def test_results_for_more_subjects_than_one_read_of_rows_takes_each_count(feed: Feed) -> None:
    batch = started(feed, count=CHUNK + 3)
    batch.record_decided([decided(i) for i in range(CHUNK + 3)], "reviewer:alice", at(minutes=1))
    feed.save(batch)

    row = feed.read(find_batch, str(BATCH_ID))

    assert row is not None
    assert (row.status, row.decided) == ("COMPLETED", CHUNK + 3)
    assert feed.read(batch_subjects, str(BATCH_ID), "PENDING", -1, 1000) == []


def test_chunks_count_as_they_commit_and_the_last_completes_the_batch(feed: Feed) -> None:
    batch = started(feed)
    batch.record_decided([decided(0), SubjectResult(1, SubjectStatus.SKIPPED, reason="already VIOLATING")],
                         "reviewer:alice", at(minutes=1))
    position = feed.save(batch)
    midway = feed.read(find_batch, str(BATCH_ID))
    batch.record_decided([decided(2), SubjectResult(3, SubjectStatus.FAILED, reason="another account")],
                         "reviewer:alice", at(minutes=2))
    feed.save(batch)

    done = feed.read(find_batch, str(BATCH_ID))
    subjects = feed.read(batch_subjects, str(BATCH_ID), None, -1, 10)

    assert midway is not None and done is not None
    assert (midway.status, midway.decided, midway.skipped, midway.position) == ("RUNNING", 1, 1, position)
    assert (done.status, done.decided, done.skipped, done.failed, done.completed_at) == (
        "COMPLETED", 2, 1, 1, at(minutes=2),
    )
    assert [(s.status, s.reason) for s in subjects] == [
        ("DECIDED", None), ("SKIPPED", "already VIOLATING"), ("DECIDED", None), ("FAILED", "another account"),
    ]
    assert subjects[0].decision_id == str(natural_id("d", "0"))


def test_a_rollback_moves_decided_subjects_to_reversed_or_kept(feed: Feed) -> None:
    batch = started(feed, count=3)
    batch.record_decided([decided(0), decided(1), decided(2)], "reviewer:alice", at(minutes=1))
    batch.start_reversal("misfire", "reviewer:bo", at(minutes=5))
    feed.save(batch)
    reversing = feed.read(find_batch, str(BATCH_ID))
    batch.record_reversed(
        [SubjectResult(0, SubjectStatus.REVERSED, natural_id("d", "0")),
         SubjectResult(1, SubjectStatus.KEPT, natural_id("d", "1"), "no longer live"),
         SubjectResult(2, SubjectStatus.REVERSED, natural_id("d", "2"))],
        "reviewer:bo", at(minutes=6),
    )
    feed.save(batch)

    done = feed.read(find_batch, str(BATCH_ID))

    assert reversing is not None and done is not None
    assert (reversing.status, reversing.reversal_rationale, reversing.reversed_by) == (
        "REVERSING", "misfire", "reviewer:bo",
    )
    assert (done.status, done.decided, done.reversed, done.kept, done.reversed_at) == (
        "REVERSED", 3, 2, 1, at(minutes=6),
    )
    kept = feed.read(batch_subjects, str(BATCH_ID), "KEPT", -1, 10)
    assert [(s.index, s.reason) for s in kept] == [(1, "no longer live")]


def test_only_batches_idle_since_the_cut_off_are_unfinished(feed: Feed) -> None:
    batch = started(feed, count=2)

    assert feed.read(unfinished_batches, at(minutes=1)) == [str(BATCH_ID)]
    assert feed.read(unfinished_batches, at(minutes=-1)) == []

    batch.record_decided([decided(0), decided(1)], "reviewer:alice", at(minutes=1))
    feed.save(batch)
    assert feed.read(unfinished_batches, at(minutes=10)) == []


def test_a_batch_outside_the_domains_asked_about_is_not_found(feed: Feed) -> None:
    started(feed)

    assert feed.read(find_batch, str(BATCH_ID), ["ads"]) is None
    assert feed.read(find_batch, str(BATCH_ID), [DOMAIN]) is not None


def _batch_work(batches: range) -> list[object]:
    """Each batch started, its subjects decided (which completes it), its reversal started, and all reversed."""
    events: list[object] = []
    for n in batches:
        order = [BatchSubject(Subject(DOMAIN, "pin", f"pin-{n}-{i}"), "acct-1") for i in range(2)]
        batch = Batch.start(natural_id("test-batch", str(n)), published_policy(), violating(), order, None,
                            "reviewer:alice", T0)
        batch.record_decided([decided(0), decided(1)], "reviewer:alice", at(minutes=1))
        batch.start_reversal("misfire", "reviewer:bo", at(minutes=5))
        batch.record_reversed([SubjectResult(i, SubjectStatus.REVERSED, natural_id("d", str(i))) for i in range(2)],
                              "reviewer:bo", at(minutes=6))
        events += batch.collect_events()
    return events


def test_a_batch_of_events_costs_the_same_statements_however_many_batches_it_changes(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, BatchProgressProjection(), _batch_work)

    assert one == many

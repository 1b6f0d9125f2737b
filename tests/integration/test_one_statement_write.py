"""A few events written by one statement on PostgreSQL (migration 0027): stored with their new keys or not at all, a
retry answered as the first write, and each write's events numbered together under the table's lock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from app.runtime.wiring import Runtime
from app.write.postgres_event_store import CopyingRecorder
from app.write.subject_keys import new_keys
from domain.indexes import SubjectIndex
from tests.integration.test_erasure_on_postgres import facts, query

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """The conftest's runtime, on PostgreSQL alone."""
    return postgres_url


@pytest.fixture
def one_statement_writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of events of each write that went by the one statement."""
    sizes: list[int] = []
    write = CopyingRecorder._insert_in_one_statement

    def counted(recorder: CopyingRecorder, stored: Any, keys: Any) -> Any:
        sizes.append(len(stored))
        return write(recorder, stored, keys)

    monkeypatch.setattr(CopyingRecorder, "_insert_in_one_statement", counted)
    return sizes


def _rows_of(postgres_url: str, originator_id: object) -> int:
    return int(query(postgres_url, "SELECT count(*) FROM docket_events WHERE originator_id = %s", originator_id)[0][0])


def test_a_lone_detection_of_a_new_account_is_stored_with_its_key_by_one_statement(
    runtime: Runtime, postgres_url: str, one_statement_writes: list[int]
) -> None:
    recorded = runtime.ledger.record_detection(facts(runtime, 1), "pipeline")

    assert one_statement_writes == [2]  # the detection and its subject's index
    assert _rows_of(postgres_url, recorded.detection.id) == 1
    assert query(postgres_url, "SELECT count(*) FROM subject_keys WHERE account_id = %s", "acct-1") == [(1,)]
    assert query(postgres_url, "SELECT max(notification_id) FROM docket_events") == [(recorded.position,)]


def test_a_retried_lone_detection_returns_the_first_answer_and_writes_nothing_twice(
    runtime: Runtime, postgres_url: str, one_statement_writes: list[int]
) -> None:
    first = runtime.ledger.record_detection(facts(runtime, 2), "pipeline")
    head = query(postgres_url, "SELECT count(*), max(notification_id) FROM docket_events")

    again = runtime.ledger.record_detection(facts(runtime, 2), "pipeline")

    assert (again.created, again.detection.id, again.detection.version) == (False, first.detection.id, 1)
    assert again.detection.facts == first.detection.facts
    assert query(postgres_url, "SELECT count(*), max(notification_id) FROM docket_events") == head
    assert _rows_of(postgres_url, first.detection.id) == 1
    assert one_statement_writes == [2]


def test_a_write_of_an_event_already_stored_fails_whole_and_keeps_no_new_key(
    runtime: Runtime, postgres_url: str
) -> None:
    recorded = runtime.ledger.record_detection(facts(runtime, 3), "pipeline")
    stored = runtime.ledger.recorder.select_events(recorded.detection.id)
    head = query(postgres_url, "SELECT count(*) FROM docket_events")

    with pytest.raises(IntegrityError):
        runtime.ledger.recorder.insert_events(stored, keys=new_keys(["acct-unseen"]))

    assert query(postgres_url, "SELECT count(*) FROM docket_events") == head
    assert query(postgres_url, "SELECT count(*) FROM subject_keys WHERE account_id = %s", "acct-unseen") == [(0,)]


def test_each_of_concurrent_lone_detections_is_one_unbroken_run_of_events(
    runtime: Runtime, postgres_url: str, one_statement_writes: list[int]
) -> None:
    writers = 8
    with ThreadPoolExecutor(writers) as pool:
        recorded = list(pool.map(lambda n: runtime.ledger.record_detection(facts(runtime, 100 + n), "w"), range(40)))

    # A writer that made an account's first key as another did ran again (a conflict): more writes than detections.
    assert len(one_statement_writes) >= 40 and set(one_statement_writes) == {2}
    # Under the table's lock, each write's events (its subject's index, then the detection) are one unbroken run.
    rows = dict(query(postgres_url, "SELECT originator_id, notification_id FROM docket_events"))
    for write in recorded:
        index = runtime.ledger.recorder.select_events(SubjectIndex.create_id(write.detection.facts.subject))
        assert rows[write.detection.id] == write.position
        assert rows[index[0].originator_id] == write.position - 1

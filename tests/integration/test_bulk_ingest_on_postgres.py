"""Bulk ingest on PostgreSQL: a large batch goes in by binary COPY with the library's ordering, ids and idempotency."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, Notification, StoredEvent
from psycopg_pool import ConnectionPool

from app.config.settings import Settings
from app.runtime.wiring import Runtime, open_runtime
from app.write.detections import DetectionRecorded
from app.write.ledger import Ledger
from app.write.postgres_event_store import COPY_FROM, CopyingRecorder, check_quietly
from domain.detection import Detection, DetectionFacts
from domain.values import ContentType, DetectionSource, Subject
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support import START, MovableClock

pytestmark = pytest.mark.postgres

BATCH = COPY_FROM  # detections on distinct subjects: twice as many events, each subject's index noting its first


@pytest.fixture
def pg_runtime(postgres_url: str, clock: MovableClock) -> Iterator[Runtime]:
    runtime = open_runtime(Settings(database_url=postgres_url), clock=clock)
    yield runtime
    runtime.close()


def facts(run: str, count: int = BATCH) -> list[DetectionFacts]:
    return [
        DetectionFacts(
            subject=Subject("trust_safety", "pin", f"{run}-pin-{n}"), account_id=f"acct-{n % 7}", policy_key="spam",
            source=DetectionSource.CLASSIFIER, external_id=f"{run}-{n}", confidence=0.9, model="clf",
            content_type=ContentType.TEXT, content=None, evidence={"n": n}, detected_at=START - timedelta(seconds=n),
        )
        for n in range(count)
    ]


def stored_rows(ledger: Ledger, after: int) -> list[tuple[int, str]]:
    """(position, topic) of every stored event after `after`, index events included, as the recorder reads them."""
    return [(n.id, n.topic) for n in stored(ledger, after)]


def stored(ledger: Ledger, after: int) -> Sequence[Notification]:
    return ledger.recorder.select_notifications(start=after + 1, limit=100_000)


def test_the_ledger_writes_with_the_copying_recorder(pg_runtime: Runtime) -> None:
    assert isinstance(pg_runtime.ledger.recorder, CopyingRecorder)


def test_a_large_batch_is_stored_in_input_order_at_the_next_positions_with_the_positions_it_returns(
    pg_runtime: Runtime,
) -> None:
    ledger = pg_runtime.ledger
    before = ledger.head()

    recorded = ledger.record_detections(facts("a"), "pipeline")

    rows = stored_rows(ledger, before)
    assert len(rows) == 2 * BATCH
    assert [position for position, _ in rows] == list(range(before + 1, before + 1 + 2 * BATCH))
    # The subjects' indexes first, then the detections in input order, as the library's INSERT stores them.
    assert all(topic.endswith("SubjectIndex.Started") for _, topic in rows[:BATCH])
    assert all(topic.endswith("Detection.Recorded") for _, topic in rows[BATCH:])
    assert {r.position for r in recorded} == {before + 2 * BATCH} == {ledger.head()}
    read_back = [stored.event for stored in ledger.read_events(before, 10 * BATCH)]
    assert [e.originator_id for e in read_back] == [r.detection.id for r in recorded]


def test_a_retried_large_batch_writes_nothing_and_returns_the_originals(pg_runtime: Runtime) -> None:
    ledger = pg_runtime.ledger
    first = ledger.record_detections(facts("b"), "pipeline")
    head = ledger.head()

    again = ledger.record_detections(facts("b"), "pipeline")

    assert ledger.head() == head
    assert not any(r.created for r in again)
    assert [r.detection.id for r in again] == [r.detection.id for r in first]


def test_a_large_batch_mixing_new_and_recorded_detections_writes_only_the_new_ones(pg_runtime: Runtime) -> None:
    ledger = pg_runtime.ledger
    ledger.record_detections(facts("c")[: BATCH // 2], "pipeline")
    before = ledger.head()

    mixed = ledger.record_detections(facts("c", 2 * BATCH), "pipeline")

    assert [r.created for r in mixed] == [False] * (BATCH // 2) + [True] * (2 * BATCH - BATCH // 2)
    rows = stored_rows(ledger, before)
    assert sum(topic.endswith("Detection.Recorded") for _, topic in rows) == 2 * BATCH - BATCH // 2
    assert [position for position, _ in rows] == list(range(before + 1, before + 1 + len(rows)))


def test_a_copied_batch_holding_a_stored_event_fails_whole_with_the_librarys_integrity_error(
    pg_runtime: Runtime,
) -> None:
    ledger = pg_runtime.ledger
    ledger.record_detections(facts("d"), "pipeline")
    head = ledger.head()
    fresh = [
        ledger.mapper.to_stored_event(event)
        for f in facts("d-new")
        for event in Detection.record(f, 1, "pipeline", START).collect_events()
    ]
    taken = ledger.recorder.select_notifications(start=head, limit=1)[0]
    again = StoredEvent(taken.originator_id, taken.originator_version, taken.topic, taken.state)

    with pytest.raises(IntegrityError):
        ledger.recorder.insert_events([*fresh, again])

    assert ledger.head() == head


def test_concurrent_large_batches_each_take_one_unbroken_run_of_positions(pg_runtime: Runtime) -> None:
    ledger = pg_runtime.ledger

    def record(writer: int) -> list[DetectionRecorded]:
        return ledger.record_detections(facts(f"w{writer}"), "pipeline")

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(record, range(4)))

    position_of = {n.originator_id: n.id for n in stored(ledger, 0)}
    for recorded in results:
        positions = sorted(position_of[r.detection.id] for r in recorded)
        assert positions == list(range(positions[0], positions[0] + BATCH)), "batches interleaved"
        assert positions[-1] == recorded[0].position


def test_a_subscriber_is_told_of_a_copied_batch(pg_runtime: Runtime) -> None:
    ledger = pg_runtime.ledger
    head = ledger.head()

    with ledger.recorder.subscribe(gt=head) as subscription:
        ledger.record_detections(facts("e"), "pipeline")
        seen = [next(subscription).id for _ in range(2 * BATCH)]

    assert seen == list(range(head + 1, head + 1 + 2 * BATCH))


def test_recording_one_detection_sends_one_statement_to_read_and_one_to_write(
    pg_runtime: Runtime, sent: list[str]
) -> None:
    ledger = pg_runtime.ledger
    ledger.record_detections(facts("warm", 1), "pipeline")
    sent.clear()
    recorded = ledger.record_detection(facts("one", 1)[0], "pipeline")

    assert recorded.created
    assert len(sent) == 2, sent
    assert sent[0].lstrip().startswith("SELECT originator_id")
    assert "docket_insert_events" in sent[1]


def test_the_check_before_use_finds_a_connection_the_server_dropped_without_pinging_a_live_one(
    pg_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = pg_runtime.ledger.recorder.datastore.pool  # type: ignore[attr-defined]
    with pool.connection() as live, pool.connection() as dropped:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (dropped.info.backend_pid,))
        time.sleep(0.2)  # the server's goodbye arrives
        pinged: list[object] = []
        monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(lambda conn: pinged.append(conn)))

        check_quietly(live)
        check_quietly(dropped)

        assert pinged == [dropped]
        monkeypatch.undo()
        with pytest.raises(psycopg.OperationalError):
            check_quietly(dropped)


def test_a_write_after_the_server_dropped_the_pools_connections_succeeds(pg_runtime: Runtime) -> None:
    ledger = pg_runtime.ledger
    ledger.record_detections(facts("before", 3), "pipeline")
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (ledger.recorder.datastore.pool.kwargs["dbname"],),  # type: ignore[attr-defined]
        )
    time.sleep(0.2)

    recorded = ledger.record_detections(facts("after", 3), "pipeline")

    assert all(r.created for r in recorded)

"""The ledger chain on SQLite: what is hashed, that it is deterministic, and signed checkpoints."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid5

import pytest
from eventsourcing.persistence import Notification

from app.config.checkpoint_key import checkpoint_key, key_file
from app.config.database import Database
from app.config.settings import Settings
from app.integrity.verify import BAD_SIGNATURE, MODIFIED, verify
from app.read.migrations import migrate
from app.read.store import ReadStore, open_read_store
from app.runtime.wiring import Runtime, open_runtime
from domain.detection import DetectionFacts
from domain.values import ContentType, DetectionSource, Subject
from projections.ledger_chain import hashing
from projections.ledger_chain.projection import (
    CHECKPOINT_INTERVAL,
    LedgerChainProjection,
)
from projections.ledger_chain.queries import (
    chain_head,
    chain_rows,
    checkpoints,
    latest_checkpoint,
)
from projections.ledger_chain.rows import ChainRow, CheckpointRow
from tests.support import MovableClock

KEY = b"test checkpoint key"
NAMESPACE = UUID("6f1c1d1e-8a52-4c8e-9d7e-1f0c2b3a4d5e")


def notification(position: int, state: bytes = b"", version: int = 1) -> Notification:
    return Notification(
        id=position, originator_id=uuid5(NAMESPACE, str(position)), originator_version=version,
        topic="domain.case:Case.Decided", state=state or f'{{"n":{position}}}'.encode(),
    )


def chain(store: ReadStore, projection: LedgerChainProjection, *batches: list[Notification]) -> None:
    """Applies each batch in its own transaction, as the projector does."""
    for batch in batches:
        with store.transaction() as sql:
            projection.apply_batch([(n.id, n) for n in batch], sql)


def rows(store: ReadStore) -> list[ChainRow]:
    with store.transaction(write=False) as sql:
        return chain_rows(sql, None, 2**62, 10_000)


def expected_chain(notifications: list[Notification]) -> list[str]:
    """The chain hashes, computed here from the scheme's definition, independently of the code under test."""
    previous = bytes(32)
    hashes = []
    for n in notifications:
        oid, topic = str(n.originator_id).encode(), n.topic.encode()
        event = hashlib.sha256(
            b"docket-event/v1" + struct.pack(">q", n.id) + struct.pack(">I", len(oid)) + oid
            + struct.pack(">q", n.originator_version) + struct.pack(">I", len(topic)) + topic
            + hashlib.sha256(n.state).digest()
        ).digest()
        previous = hashlib.sha256(previous + event).digest()
        hashes.append(previous.hex())
    return hashes


@pytest.fixture
def other_store(tmp_path: Path) -> Iterator[ReadStore]:
    read_store = open_read_store(Database.parse(f"sqlite:///{tmp_path / 'other.db'}"))
    migrate(read_store)
    yield read_store
    read_store.close()


def test_the_chain_follows_its_definition_and_records_the_positions_it_saw(store: ReadStore) -> None:
    events = [notification(p) for p in (1, 2, 5, 9)]  # gaps, as rolled-back sequence values leave them
    chain(store, LedgerChainProjection(), events)

    found = rows(store)
    assert [r.position for r in found] == [1, 2, 5, 9]
    assert [r.chain_hash for r in found] == expected_chain(events)
    assert [r.state_hash for r in found] == [hashlib.sha256(n.state).hexdigest() for n in events]


def test_the_chain_is_the_same_however_it_is_batched_and_wherever_it_is_computed(
    store: ReadStore, other_store: ReadStore
) -> None:
    events = [notification(p, version=p % 3 + 1) for p in range(1, 12)]
    chain(store, LedgerChainProjection(), events)
    chain(other_store, LedgerChainProjection(), events[:1], events[1:4], events[4:])  # a fresh transaction each
    assert rows(store) == rows(other_store)

    with other_store.transaction() as sql:  # one at a time, as a plain projection is applied
        sql.execute("DELETE FROM ledger_chain")
        for n in events:
            LedgerChainProjection().apply_batch([(n.id, n)], sql)

    assert rows(store) == rows(other_store)


def test_each_field_changes_the_hash() -> None:
    base = notification(4, b"state")
    variants = [
        notification(5, b"state"),
        notification(4, b"state", version=2),
        notification(4, b"statf"),
        Notification(id=4, originator_id=uuid5(NAMESPACE, "x"), originator_version=1, topic=base.topic, state=b"state"),
        Notification(id=4, originator_id=base.originator_id, originator_version=1, topic="domain.case:Case.Opened",
                     state=b"state"),
    ]
    hashes = {expected_chain([n])[0] for n in [base, *variants]}
    assert len(hashes) == len(variants) + 1


def test_an_event_already_chained_is_not_chained_again(store: ReadStore) -> None:
    projection = LedgerChainProjection()
    events = [notification(p) for p in range(1, 4)]
    chain(store, projection, events, events[1:])  # e.g. a projector position reset without emptying the table

    assert [r.chain_hash for r in rows(store)] == expected_chain(events)


def test_a_checkpoint_is_signed_every_k_positions_and_at_the_head_when_asked(store: ReadStore) -> None:
    projection = LedgerChainProjection(key=lambda: KEY, every=3)
    chain(store, projection, [notification(p) for p in (1, 2, 4, 5)], [notification(p) for p in (6, 7)])

    with store.transaction(write=False) as sql:
        marks = checkpoints(sql, None, 100, 100)
    assert [m.position for m in marks] == [4, 6]  # the first positions at or after 3 and 6
    heads = {r.position: r.chain_hash for r in rows(store)}
    for mark in marks:
        assert mark.chain_hash == heads[mark.position]
        assert mark.key_id == hashing.key_id(KEY)
        assert hashing.signature_valid(KEY, mark.position, mark.chain_hash, mark.signed_at, mark.signature)
        message = b"\n".join([b"docket-checkpoint/v1", str(mark.position).encode(), mark.chain_hash.encode(),
                              hashing.signing_time(mark.signed_at).encode()])
        assert mark.signature == hmac.new(KEY, message, hashlib.sha256).hexdigest()

    with store.transaction(locks=["projection:ledger_chain"]) as sql:
        head = projection.checkpoint_head(sql)
        assert projection.checkpoint_head(sql) == head  # once per position
    assert head is not None and head.position == 7 and head.chain_hash == heads[7]


def test_a_checkpoint_does_not_validate_with_another_key_or_other_contents(store: ReadStore) -> None:
    chain(store, LedgerChainProjection(key=lambda: KEY, every=2), [notification(p) for p in (1, 2)])
    with store.transaction(write=False) as sql:
        mark = latest_checkpoint(sql)
    assert mark is not None
    assert hashing.signature_valid(KEY, mark.position, mark.chain_hash, mark.signed_at, mark.signature)
    assert not hashing.signature_valid(b"another key", mark.position, mark.chain_hash, mark.signed_at, mark.signature)
    assert not hashing.signature_valid(KEY, mark.position + 1, mark.chain_hash, mark.signed_at, mark.signature)
    assert not hashing.signature_valid(KEY, mark.position, hashing.GENESIS, mark.signed_at, mark.signature)
    later = datetime(2030, 1, 1, tzinfo=UTC)
    assert not hashing.signature_valid(KEY, mark.position, mark.chain_hash, later, mark.signature)


def test_without_a_key_the_chain_is_kept_and_nothing_is_signed(store: ReadStore) -> None:
    chain(store, LedgerChainProjection(every=1), [notification(p) for p in (1, 2)])
    with store.transaction(write=False) as sql:
        assert chain_head(sql) is not None
        assert latest_checkpoint(sql) is None


# Through the projector, on the embedded SQLite default.


def detect(runtime: Runtime, n: int) -> int:
    facts = DetectionFacts(
        subject=Subject("trust_safety", "pin", f"pin-{n}"), account_id="user-1", policy_key="spam",
        source=DetectionSource.CLASSIFIER, external_id=f"run-{n}", confidence=0.9, model="clf",
        content_type=ContentType.IMAGE, content=None, evidence={}, detected_at=runtime.ledger.clock(),
    )
    return runtime.ledger.record_detection(facts, "pipeline").position


@pytest.fixture
def sqlite_runtime(sqlite_url: str, clock: MovableClock) -> Iterator[Runtime]:
    runtime = open_runtime(Settings(database_url=sqlite_url), clock=clock)
    yield runtime
    runtime.close()


def test_the_projector_chains_every_stored_event_and_the_default_key_lives_beside_the_database(
    sqlite_runtime: Runtime,
) -> None:
    runtime = sqlite_runtime
    chain_projection = next(p for p in runtime.projector.projections if isinstance(p, LedgerChainProjection))
    chain_projection.every = 10
    for n in range(25):
        detect(runtime, n)
    runtime.projector.catch_up()

    head = runtime.ledger.head()
    stored = runtime.ledger.recorder.select_notifications(start=1, limit=10_000)
    assert [r.chain_hash for r in rows(runtime.store)] == expected_chain(list(stored))
    assert runtime.projector.positions()["ledger_chain"] == head

    path = key_file(runtime.settings.database)
    assert path is not None and path.exists() and path.stat().st_mode & 0o077 == 0
    key = checkpoint_key(runtime.settings)
    assert key == path.read_text().strip().encode()
    report = verify(runtime.ledger, runtime.store, key, batch=7)
    assert report.clean, report.finding
    assert (report.events_verified, report.head, report.not_yet_chained) == (head, head, 0)
    assert report.latest_checkpoint is not None and report.latest_checkpoint.position == head // 10 * 10

    wrong = verify(runtime.ledger, runtime.store, b"not the key")
    assert wrong.finding is not None and wrong.finding.kind == BAD_SIGNATURE
    assert wrong.finding.position == 10

    chained = rows(runtime.store)
    with runtime.store.transaction() as sql:  # a rebuild from zero replays past the chain, never recomputes it
        sql.execute("DELETE FROM projection_positions WHERE name = 'ledger_chain'")
    runtime.projector.catch_up()
    assert rows(runtime.store) == chained


def test_verify_counts_events_after_the_chain_as_not_yet_chained_and_finds_a_modified_one(
    sqlite_runtime: Runtime,
) -> None:
    runtime = sqlite_runtime
    detect(runtime, 1)
    runtime.projector.catch_up()
    chained = runtime.ledger.head()
    detect(runtime, 2)
    detect(runtime, 3)

    key = checkpoint_key(runtime.settings)
    report = verify(runtime.ledger, runtime.store, key)
    assert report.clean
    after = runtime.ledger.head() - chained  # two detections, each with its subject's index
    assert (report.chain_position, report.events_verified, report.not_yet_chained) == (chained, chained, after)

    path = runtime.settings.database.sqlite_path
    with sqlite3.connect(str(path)) as connection:
        connection.execute("UPDATE stored_events SET state = CAST(? AS BLOB) WHERE rowid = ?", (b"{}", chained - 1))
    report = verify(runtime.ledger, runtime.store, key)
    assert report.finding is not None
    assert (report.finding.position, report.finding.kind) == (chained - 1, MODIFIED)
    assert report.events_verified == chained - 2


def test_a_quiet_ledger_has_its_head_signed_once_the_newest_checkpoint_is_older_than_the_interval(
    sqlite_runtime: Runtime, clock: MovableClock,
) -> None:
    runtime = sqlite_runtime

    def newest() -> CheckpointRow | None:
        with runtime.store.transaction(write=False) as sql:
            return latest_checkpoint(sql)

    detect(runtime, 1)
    runtime.projector.catch_up()
    first = newest()
    assert first is not None and first.position == runtime.ledger.head()  # the first one waits for nothing

    detect(runtime, 2)
    runtime.projector.catch_up()
    clock.advance(CHECKPOINT_INTERVAL - timedelta(seconds=1))
    runtime.projector.catch_up()
    assert newest() == first

    clock.advance(timedelta(seconds=1))
    runtime.projector.catch_up()
    signed = newest()
    assert signed is not None and (signed.position, signed.signed_at) == (runtime.ledger.head(), clock())
    clock.advance(CHECKPOINT_INTERVAL)
    runtime.projector.catch_up()
    assert newest() == signed  # nothing new to sign

    report = verify(runtime.ledger, runtime.store, checkpoint_key(runtime.settings))
    assert report.clean and report.latest_checkpoint == signed

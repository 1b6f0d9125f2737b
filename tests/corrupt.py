"""Events as a corrupt ledger would hold them: stored below the ledger's commands, which would never write them."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder

import projections.appeals.projection as appeals_projection
from app.read.store import ReadStore
from app.write.ledger import INDEX_TOPICS, Ledger
from projections.sql import marks


def plant_second_filing(ledger: Ledger) -> int:
    """Stores the newest `Appeal.Filed` again, as a later version of its own appeal: an appeal filed twice, which
    the `appeals` read model cannot apply (its row exists) and every other read model can. Returns its position."""
    notifications = ledger.recorder.select_notifications(start=1, limit=ledger.head())
    filed = next(n for n in reversed(notifications) if n.topic == "domain.appeal:Appeal.Filed")
    positions = ledger.recorder.insert_events(
        [StoredEvent(filed.originator_id, filed.originator_version + 100, filed.topic, filed.state)]
    )
    assert positions
    return positions[-1]


def tolerate_second_filing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fix an operator would ship for `plant_second_filing`: the appeals read model keeps the first filing."""
    monkeypatch.setattr(appeals_projection.APPEALS, "on_insert", "ON CONFLICT DO NOTHING")


def strip_indexes(ledger: Ledger, store: ReadStore) -> int:
    """Deletes every event of the write side's indexes, and the record of their backfill: the ledger as one written
    before the indexes holds it. Returns how many events it deleted."""
    recorder = ledger.recorder
    assert isinstance(recorder, SQLiteAggregateRecorder | PostgresAggregateRecorder)
    indexed = f"FROM {recorder.events_table_name} WHERE topic IN ({marks(INDEX_TOPICS)})"
    with store.transaction() as sql:
        sql.execute(f"SELECT count(*) {indexed}", list(INDEX_TOPICS))
        row = sql.fetchone()
        sql.execute(f"DELETE {indexed}", list(INDEX_TOPICS))
    assert row is not None
    return int(row[0])

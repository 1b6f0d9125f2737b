"""A read model that cannot apply an event stops at it alone, says why, and is tried again with backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.read.failures import ProjectionFailure
from app.runtime.wiring import Runtime
from tests.corrupt import plant_second_filing, tolerate_second_filing
from tests.history import write_history

FILED = "domain.appeal:Appeal.Filed"
DUPLICATE = ("IntegrityError", "UniqueViolation")  # SQLite's and PostgreSQL's


def filings_before(runtime: Runtime, position: int) -> int:
    stored = runtime.ledger.recorder.select_notifications(start=1, limit=position - 1)
    return sum(1 for n in stored if n.topic == FILED)


def appeal_rows(runtime: Runtime) -> int:
    with runtime.store.transaction(write=False) as sql:
        sql.execute("SELECT count(*) FROM appeals")
        row = sql.fetchone()
    assert row is not None
    return int(row[0])


def due_now(runtime: Runtime, name: str) -> None:
    """Moves a failure's last try back past its backoff, as time passing would."""
    with runtime.store.transaction() as sql:
        sql.execute("UPDATE projection_failures SET last_seen = ? WHERE name = ?",
                    (datetime.now(UTC) - timedelta(hours=1), name))


@pytest.fixture
def stopped(runtime: Runtime) -> tuple[int, int]:
    """A ledger with an appeal filed twice in the middle of one batch, projected: (its position, the head)."""
    write_history(runtime.ledger, 60)
    bad = plant_second_filing(runtime.ledger)
    head = write_history(runtime.ledger, 60, run="after")
    runtime.projector.batch_size = 1000
    runtime.projector.catch_up()
    return bad, head


def test_a_read_model_stops_exactly_at_an_event_it_cannot_apply_and_the_others_reach_the_head(
    runtime: Runtime, stopped: tuple[int, int], caplog: pytest.LogCaptureFixture
) -> None:
    bad, head = stopped

    positions = runtime.projector.positions()
    assert positions.pop("appeals") == bad - 1
    assert set(positions.values()) == {head}
    assert appeal_rows(runtime) == filings_before(runtime, bad) > 0  # every filing before it, nothing after
    failure = runtime.projector.progress()[1]["appeals"]
    tries = [r for r in caplog.get_records("setup") if f"appeals stopped at position {bad} " in r.getMessage()]
    assert (failure.position, failure.topic, failure.event_type) == (bad, FILED, "Appeal.Filed")
    assert failure.attempts == len(tries) >= 1  # once, or again when the catch-up outlasted the first backoff
    assert failure.error_type in DUPLICATE and "appeal" in failure.error
    assert failure.first_seen == failure.last_seen
    assert list(runtime.projector.progress()[1]) == ["appeals"]


def test_a_stopped_read_model_is_tried_again_only_once_its_backoff_has_passed(
    runtime: Runtime, stopped: tuple[int, int]
) -> None:
    bad, _ = stopped
    first = runtime.projector.progress()[1]["appeals"]

    assert runtime.projector.step() == 0  # too soon: nothing to do for anyone
    assert runtime.projector.progress()[1]["appeals"] == first

    due_now(runtime, "appeals")
    runtime.projector.catch_up()

    again = runtime.projector.progress()[1]["appeals"]
    assert (again.position, again.attempts, again.first_seen) == (bad, 2, first.first_seen)
    assert again.last_seen > first.last_seen
    assert runtime.projector.positions()["appeals"] == bad - 1
    assert not again.due(again.last_seen + timedelta(seconds=1.9))  # 2 s after the second try
    assert again.due(again.last_seen + timedelta(seconds=2))


def test_once_the_projection_can_apply_the_event_a_retry_clears_the_failure_and_catches_up(
    runtime: Runtime, stopped: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, head = stopped
    tolerate_second_filing(monkeypatch)
    due_now(runtime, "appeals")

    runtime.projector.catch_up()

    assert runtime.projector.progress()[1] == {}
    assert runtime.projector.positions()["appeals"] == head
    assert appeal_rows(runtime) == filings_before(runtime, head + 1) - 1  # the second filing changed nothing


def test_a_read_model_whose_table_was_dropped_by_hand_stops_alone_saying_so(runtime: Runtime) -> None:
    write_history(runtime.ledger, 60)
    runtime.projector.catch_up()
    with runtime.store.transaction() as sql:
        sql.execute("DROP TABLE decision_counts")
    head = write_history(runtime.ledger, 60, run="after")

    runtime.projector.catch_up()

    failure = runtime.projector.progress()[1]["decisions_by_policy"]
    assert "decision_counts" in failure.error
    assert failure.event_type in ("Case.Opened", "Case.Decided")
    positions = runtime.projector.positions()
    assert positions.pop("decisions_by_policy") == failure.position - 1
    assert set(positions.values()) == {head}


def test_the_backoff_doubles_from_a_second_to_at_most_five_minutes() -> None:
    seen = datetime(2026, 3, 2, tzinfo=UTC)
    waits = {1: 1, 2: 2, 3: 4, 4: 8, 9: 256, 10: 300, 1000: 300}
    for attempts, seconds in waits.items():
        failure = ProjectionFailure("appeals", 7, FILED, "KeyError", "'x'", seen, seen, attempts)
        wait = timedelta(seconds=seconds)
        assert not failure.due(seen + wait - timedelta(milliseconds=1)) and failure.due(seen + wait), attempts

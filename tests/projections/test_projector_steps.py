"""The projector's step: one transaction for every read model's batch, each from its own position."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from app.read import store
from app.read.projector import Decoder, Pages, topics_of
from app.read.store import PostgresReadStore
from app.runtime.wiring import Runtime
from tests.corrupt import plant_second_filing
from tests.history import write_history
from tests.projections.statements import writes_counted
from tests.projections.test_lone_detections import facts
from tests.projections.test_rebuild import positions, projected_from_zero, snapshot


def test_read_models_at_different_positions_each_get_only_the_events_past_their_own(runtime: Runtime) -> None:
    head = write_history(runtime.ledger, 80)
    projector = runtime.projector
    projector.batch_size = 40
    ahead = next(p for p in projector.projections if p.name == "case_status")
    projector.step(ahead)
    projector.step(ahead)
    assert positions(runtime)["case_status"] == 80 + positions(runtime)["review_queue"]

    projector.catch_up()

    assert set(positions(runtime).values()) == {head}
    assert snapshot(runtime) == projected_from_zero(runtime)


def test_a_catch_ups_group_starts_no_page_two_past_the_slowest_and_a_page_every_group_passed_is_dropped(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_history(runtime.ledger, 40)
    read_page, read = runtime.ledger.select_page, []

    def counted(after: int, size: int) -> Any:
        read.append(after)
        return read_page(after, size)

    monkeypatch.setattr(runtime.ledger, "select_page", counted)
    pages = Pages(runtime.ledger, 10)
    first, _ = pages.after(0, reader=0)
    assert pages.after(0, reader=1)[0] is first  # read once for both
    second, _ = pages.after(first[-1].id, reader=0)

    with ThreadPoolExecutor(1) as fast:
        third = fast.submit(pages.after, second[-1].id, 0)
        with pytest.raises(TimeoutError):
            third.result(timeout=0.2)  # two pages past the slowest: it waits for it
        assert pages.after(first[-1].id, reader=1)[0] is second
        assert third.result(timeout=5)[0][0].id == second[-1].id + 1

    pages.after(0, reader=1)
    assert read == [0, first[-1].id, second[-1].id, 0]  # the first page, which both had passed, read again


def test_a_step_moves_every_read_model_by_one_batch(runtime: Runtime) -> None:
    write_history(runtime.ledger, 80)
    projector = runtime.projector
    projector.batch_size = 30
    start = positions(runtime)

    read = projector.step()

    assert read == 30
    assert {name: position - start[name] for name, position in positions(runtime).items()} == dict.fromkeys(start, 30)


def test_a_catch_up_reading_pages_ahead_projects_what_was_written_after_its_last_full_page(runtime: Runtime) -> None:
    head = write_history(runtime.ledger, 10)
    projector = runtime.projector
    projector.batch_size = 1  # every page full: each step's page read ahead of it, the last one past the head
    projector.catch_up()
    assert set(positions(runtime).values()) == {head}

    later = write_history(runtime.ledger, 3, run="later")

    assert projector.step() == 1  # the page read ahead at the head was empty then: read again, not taken
    projector.catch_up()
    assert set(positions(runtime).values()) == {later}
    assert snapshot(runtime) == projected_from_zero(runtime)


def test_a_step_whose_events_all_apply_takes_no_savepoint_and_one_that_fails_takes_them(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = write_history(runtime.ledger, 60)
    taken: list[str] = []
    for engine in (store.SqliteReadStore, store.PostgresReadStore):
        original = engine.transaction

        @contextmanager
        def counting(self: Any, write: bool = True, locks: Any = (), _original: Any = original, **kwargs: Any
                     ) -> Iterator[Any]:
            with _original(self, write, locks, **kwargs) as sql:
                monkeypatch.setattr(sql, "savepoint", _counted(sql.savepoint, taken))
                yield sql

        monkeypatch.setattr(engine, "transaction", counting)
    runtime.projector.catch_up()
    assert taken == [] and set(positions(runtime).values()) == {head}

    plant_second_filing(runtime.ledger)
    runtime.projector.catch_up()
    assert taken  # the failed step again, each read model in a savepoint: the appeals stop alone
    assert list(runtime.projector.progress()[1]) == ["appeals"]


def _counted(savepoint: Callable[[], Any], taken: list[str]) -> Callable[[], Any]:
    def counted() -> Any:
        taken.append("savepoint")
        return savepoint()

    return counted


def test_a_step_of_one_event_sends_nothing_for_the_read_models_without_it_and_one_write_of_every_position(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_history(runtime.ledger, 20)
    runtime.projector.catch_up()
    at = runtime.ledger.head()
    head = runtime.ledger.record_detection(facts(runtime, 1), "pipeline").position
    topics = {n.topic for n in runtime.ledger.select_page(at, 10)}
    projections = runtime.projector.projections
    without = [t for p in projections if not p.raw and not topics & topics_of(p) for t in p.tables]

    with writes_counted(monkeypatch) as sent:
        assert runtime.projector.step() == head - at  # the detection, and the case it opened

    assert without and not [s for s in sent if _names(s, without)]
    assert "SAVEPOINT" not in sent
    groups = len(runtime.projector.groups())
    positions_sent = [s.split()[0] for s in sent if "projection_positions" in s]
    assert sorted(positions_sent) == ["INSERT"] * groups + ["SELECT"] * groups  # a group reads them all, writes all
    assert set(positions(runtime).values()) == {head}  # those without the event moved on too


def _names(statement: str, tables: list[str]) -> bool:
    """Whether the statement reads or writes one of `tables`."""
    return any(re.search(rf"\b(FROM|INTO|UPDATE|JOIN) {table}\b", statement) for table in tables)


def test_a_step_on_connections_the_server_dropped_in_the_pool_is_tried_again_on_checked_ones(runtime: Runtime) -> None:
    if not isinstance(runtime.store, PostgresReadStore):
        pytest.skip("a SQLite file has no server to drop its connections")
    write_history(runtime.ledger, 20)
    runtime.projector.catch_up()
    at = runtime.ledger.head()
    head = runtime.ledger.record_detection(facts(runtime, 1), "pipeline").position
    pool = runtime.store.pool
    idle = [pool.getconn() for _ in range(pool.get_stats()["pool_available"])]
    for connection in idle:
        pool.putconn(connection)
    with psycopg.connect(runtime.store.conninfo, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid, 5000) FROM unnest(%s::int[]) AS pid",
                      ([c.info.backend_pid for c in idle],))

    assert runtime.projector.step() == head - at
    assert set(positions(runtime).values()) == {head}


def test_a_read_model_is_given_its_topics_events_in_ledger_order_each_decoded_once(runtime: Runtime) -> None:
    write_history(runtime.ledger, 80)
    page = runtime.ledger.select_page(0, 200)
    decodings: list[int] = []

    def decode(notification: Any) -> Any:
        decodings.append(notification.id)
        return runtime.ledger.mapper.to_domain_event(notification)

    decoder = Decoder(decode)
    chosen = {n.topic for n in page[::3]}
    batches = [decoder.batch_of(topics_of(p), page) for p in runtime.projector.projections if not p.raw]
    batch = decoder.batch_of(chosen, page)

    assert [position for position, _ in batch] == [n.id for n in page if n.topic in chosen]
    assert [type(e).__name__ for _, e in batch] == [n.topic.rpartition(".")[2] for n in page if n.topic in chosen]
    assert len(chosen) > 1 and len(decodings) == len(set(decodings))
    assert all(b == sorted(b, key=lambda pair: pair[0]) for b in batches)

"""The projector's step: one transaction for every read model's batch, each from its own position."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from app.read import store
from app.runtime.wiring import Runtime
from tests.corrupt import plant_second_filing
from tests.history import write_history
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
        def counting(self: Any, write: bool = True, locks: Any = (), _original: Any = original) -> Iterator[Any]:
            with _original(self, write, locks) as sql:
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

"""The projector's step: one transaction for every read model's batch, each from its own position."""

from __future__ import annotations

from app.runtime.wiring import Runtime
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

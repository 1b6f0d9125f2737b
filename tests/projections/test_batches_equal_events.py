"""A read model's batch is its events' sum: fed the ledger in batches, every read model ends as fed one by one."""

from __future__ import annotations

from app.runtime.wiring import Runtime
from tests.history import write_review_history
from tests.projections.test_rebuild import projected_from_zero, snapshot


def test_every_read_model_ends_the_same_fed_in_batches_as_fed_an_event_at_a_time(runtime: Runtime) -> None:
    head = write_review_history(runtime.ledger, 160)
    runtime.projector.batch_size = 1
    runtime.projector.catch_up()
    one_at_a_time = snapshot(runtime)
    assert all(one_at_a_time.values()), "the history leaves a row in every read model's table"

    runtime.projector.batch_size = head

    assert projected_from_zero(runtime) == one_at_a_time

"""An operator's skip of an event a read model cannot apply is an event of its own, recorded once per position."""

import pytest

from domain.errors import ValidationError
from domain.projection import Projection
from tests.domain.factories import at


def registered() -> Projection:
    projection = Projection.register("appeals", "ops:ana", at())
    projection.collect_events()
    return projection


def test_a_skip_records_where_what_why_and_who() -> None:
    projection = registered()

    projection.skip_event(57, "Appeal.Filed", "IntegrityError: duplicate", "filed twice by a bad import", "ops:ana",
                          at(5))

    [skipped] = projection.collect_events()
    assert isinstance(skipped, Projection.EventSkipped)
    assert (skipped.read_model, skipped.position, skipped.event_type, skipped.error, skipped.reason) \
        == ("appeals", 57, "Appeal.Filed", "IntegrityError: duplicate", "filed twice by a bad import")
    assert (skipped.actor, skipped.occurred_at) == ("ops:ana", at(5))
    assert projection.id == Projection.create_id("appeals") and projection.skipped == {57}


def test_skipping_the_same_position_again_records_nothing() -> None:
    projection = registered()
    projection.skip_event(57, "Appeal.Filed", "IntegrityError", "filed twice", "ops:ana", at(5))
    projection.collect_events()

    projection.skip_event(57, "Appeal.Filed", "IntegrityError", "filed twice", "ops:bo", at(6))

    assert projection.collect_events() == []


@pytest.mark.parametrize(("position", "reason", "field"), [(0, "why", "position"), (57, " ", "reason")])
def test_a_skip_without_a_position_or_a_reason_is_refused(position: int, reason: str, field: str) -> None:
    projection = registered()

    with pytest.raises(ValidationError) as refused:
        projection.skip_event(position, "Appeal.Filed", "IntegrityError", reason, "ops:ana", at(5))

    assert refused.value.field == field
    assert projection.collect_events() == []

"""An aggregate's first event, which `DocketAggregate._start` makes without its class's `__init__`, is the event that
`__init__` makes of the same attributes."""

import pytest

from domain.base import DocketAggregate
from domain.case import Case
from domain.detection import Detection
from domain.indexes import SubjectIndex, note_detection
from tests.domain.factories import ACCOUNT, SUBJECT, T0, facts


@pytest.mark.parametrize(
    "aggregate",
    [
        Detection.record(facts(), 1, "svc:classifier", T0),
        note_detection(None, None, facts(), "svc:classifier", T0),
        Case.open(SUBJECT, ACCOUNT, "reviewer:alice", T0),
    ],
    ids=["detection", "subject index", "case"],
)
def test_a_started_aggregates_event_is_the_one_its_class_makes_of_its_attributes(aggregate: DocketAggregate) -> None:
    event = aggregate.pending_events[0]
    made = type(event)(**vars(event))

    assert (list(vars(event)), event) == (list(vars(made)), made)


def test_an_aggregate_started_with_an_id_not_a_uuid_fails_as_the_librarys_events_do() -> None:
    with pytest.raises(TypeError, match="non-UUID originator_id"):
        SubjectIndex._start(
            SubjectIndex.Started, "pin-1", "svc:classifier", T0,  # type: ignore[arg-type]
            subject=SUBJECT, account_id=ACCOUNT, policy_key=None, case_version=None,
        )

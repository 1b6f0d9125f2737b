"""`Ledger.write`: Docket's aggregates stored as `save` stores them, answering the position of the last event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from eventsourcing.persistence import IntegrityError

from app.runtime.wiring import Runtime
from domain.detection import Detection, DetectionFacts
from domain.values import ContentType, DetectionSource, Subject
from tests.support import START


def _detection(n: int) -> Detection:
    facts = DetectionFacts(
        subject=Subject("trust_safety", "pin", f"write-pin-{n}"), account_id=f"write-acct-{n}", policy_key="spam",
        source=DetectionSource.CLASSIFIER, external_id=f"write-{n}", confidence=0.9, model="clf",
        content_type=ContentType.TEXT, content=None, evidence={"n": n}, detected_at=START - timedelta(seconds=n),
    )
    return Detection.record(facts, 1, "pipeline:test", START)


def test_write_stores_the_events_in_order_and_answers_the_last_ones_position(runtime: Runtime) -> None:
    ledger = runtime.ledger
    before = ledger.head()
    detections = [_detection(n) for n in range(3)]
    events = [e for d in detections for e in d.pending_events]

    position = ledger.write(detections)

    assert position == ledger.head() == before + len(events)
    stored = ledger.read_events(before, 10)
    assert [s.position for s in stored] == list(range(before + 1, position + 1))
    assert [s.event for s in stored] == events  # the evidence sealed with each new account's key, and opened
    assert not any(d.pending_events for d in detections)


def test_write_fails_on_an_event_already_stored_and_stores_nothing(runtime: Runtime) -> None:
    ledger = runtime.ledger
    ledger.write([_detection(0)])
    before = ledger.head()

    with pytest.raises(IntegrityError):  # which `UnitOfWork.retrying` takes as a concurrent writer's
        ledger.write([_detection(1), _detection(0)])
    assert ledger.head() == before

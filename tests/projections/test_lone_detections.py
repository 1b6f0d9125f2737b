"""Requests' lone detections: concurrent ones written together in one transaction, each caller answered as if its
detection had been written alone (its own detection, its own error, its own actor)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from app.runtime.lone_detections import LoneDetections
from app.runtime.wiring import Runtime
from app.write.detections import DetectionRecorded
from domain.detection import Detection, DetectionFacts
from domain.errors import ConflictError, DocketError
from domain.values import ContentType, DetectionSource, Subject


def facts(runtime: Runtime, n: int, **changes: object) -> DetectionFacts:
    made = DetectionFacts(
        subject=Subject("trust_safety", "pin", f"pin-{n}"), account_id=f"acct-{n}", policy_key="spam",
        source=DetectionSource.CLASSIFIER, external_id=f"clf-{n}", confidence=0.9, model="spam-clf",
        content_type=ContentType.TEXT, content=None, evidence={"score": n}, detected_at=runtime.ledger.clock(),
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def at_once(
    lone: LoneDetections, *calls: tuple[DetectionFacts, str]
) -> list[DetectionRecorded | BaseException]:
    """Each call from a task of its own, all started before any is written."""

    async def run() -> list[DetectionRecorded | BaseException]:
        return await asyncio.gather(*(lone.record(f, actor) for f, actor in calls), return_exceptions=True)

    return asyncio.run(run())


def recorded(answers: list[DetectionRecorded | BaseException]) -> list[DetectionRecorded]:
    assert all(isinstance(a, DetectionRecorded) for a in answers), answers
    return [a for a in answers if isinstance(a, DetectionRecorded)]


def test_concurrent_detections_are_written_in_one_transaction_each_answered_with_its_own(runtime: Runtime) -> None:
    sent = [facts(runtime, n) for n in range(5)]

    answers = recorded(at_once(runtime.lone_detections, *((f, "pipeline") for f in sent)))

    assert [a.detection.facts for a in answers] == sent
    assert len({a.detection.id for a in answers}) == 5
    assert {a.position for a in answers} == {runtime.ledger.head()}  # one write's position
    assert all(a.created for a in answers)


def test_a_detection_alone_is_written_as_before(runtime: Runtime) -> None:
    before = runtime.ledger.head()

    (answer,) = recorded(at_once(runtime.lone_detections, (facts(runtime, 1), "pipeline")))

    assert answer.created and answer.position > before
    stored = runtime.ledger.aggregate(answer.detection.id)
    assert isinstance(stored, Detection) and stored.facts == facts(runtime, 1)


def test_no_more_than_the_most_are_written_together(runtime: Runtime) -> None:
    lone = LoneDetections(runtime.ledger, most=2)

    answers = recorded(at_once(lone, *((facts(runtime, n), "pipeline") for n in range(3))))

    assert len({a.position for a in answers}) == 2


FAILING = {"unknown policy": {"policy_key": "no_such_policy"}, "invalid confidence": {"confidence": 1.5}}


@pytest.mark.parametrize("changes", FAILING.values(), ids=FAILING.keys())
def test_a_failing_detection_among_concurrent_ones_fails_alone_with_its_own_error(
    runtime: Runtime, changes: dict[str, object]
) -> None:
    with pytest.raises(DocketError) as alone:
        runtime.ledger.record_detection(facts(runtime, 2, **changes), "pipeline")

    first, failed, last = at_once(
        runtime.lone_detections, (facts(runtime, 1), "pipeline"), (facts(runtime, 2, **changes), "pipeline"),
        (facts(runtime, 3), "pipeline"),
    )

    assert type(failed) is type(alone.value) and str(failed) == str(alone.value)
    assert [a.detection.facts for a in recorded([first, last])] == [facts(runtime, 1), facts(runtime, 3)]


def test_a_retry_about_another_subject_among_concurrent_ones_conflicts_alone(runtime: Runtime) -> None:
    first, contradicting, again = at_once(
        runtime.lone_detections, (facts(runtime, 1), "pipeline"),
        (facts(runtime, 2, external_id="clf-1"), "pipeline"), (facts(runtime, 1), "pipeline"),
    )

    assert isinstance(contradicting, ConflictError)
    assert not contradicting.message.startswith("inputs[")
    one, retried = recorded([first, again])
    assert retried.detection.id == one.detection.id and retried.detection.facts == facts(runtime, 1)


def test_concurrent_detections_of_different_callers_are_each_recorded_by_its_caller(runtime: Runtime) -> None:
    answers = recorded(at_once(
        runtime.lone_detections, (facts(runtime, 1), "pipeline:a"), (facts(runtime, 2), "pipeline:b"),
        (facts(runtime, 3), "pipeline:a"),
    ))

    assert [a.detection.recorded_by for a in answers] == ["pipeline:a", "pipeline:b", "pipeline:a"]
    assert answers[0].position == answers[2].position != answers[1].position


def test_a_caller_that_goes_away_leaves_the_others_recorded(runtime: Runtime) -> None:
    async def run() -> list[DetectionRecorded]:
        calls = [asyncio.create_task(runtime.lone_detections.record(facts(runtime, n), "pipeline")) for n in range(3)]
        await asyncio.sleep(0)  # each is waiting for the write
        calls[0].cancel()
        return [await call for call in calls[1:]]

    answers = asyncio.run(run())

    assert [a.detection.facts for a in answers] == [facts(runtime, 1), facts(runtime, 2)]

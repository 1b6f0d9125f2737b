"""recordDetections: a batch from a pipeline, in one transaction, all or nothing."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    attempt,
)
from app.graphql.core.inputs import Coerced
from app.graphql.core.scope import unseen_policies
from app.graphql.ledger.record_detection import RecordDetectionInput, detection_facts, named_policies
from app.graphql.ledger.types import Detection
from app.write.detections import DetectionRecorded
from projections.case_status.rows import detection_row


@strawberry.type(description="A recorded batch, in input order; retried entries return their originals.")
class DetectionBatch:
    recorded: strawberry.Private[list[DetectionRecorded]]
    detections: list[Detection] = strawberry.field(resolver=lambda root: _detections(root))
    position: str


def _detections(batch: DetectionBatch) -> list[Detection]:
    """The batch's detections, built only when asked for: a pipeline often wants the position alone."""
    return [Detection.of_row(detection_row(r.detection, r.position)) for r in batch.recorded]


RecordDetectionsResult = Annotated[
    DetectionBatch | ValidationError | NotFoundError | ConflictError, strawberry.union("RecordDetectionsResult")
]


@strawberry.type
class RecordDetectionsMutation:
    @strawberry.mutation(description="Records up to 1000 detections in one transaction; a bad one writes none.")
    async def record_detections(
        self, info: Info, inputs: Annotated[list[Coerced], strawberry.argument(graphql_type=list[RecordDetectionInput])]
    ) -> RecordDetectionsResult:
        ledger = info.context.runtime.ledger
        unseen = unseen_policies(info.context.principal, named_policies(inputs))
        if unseen is not None:
            return unseen
        now = ledger.clock()
        batch = [detection_facts(value, now) for value in inputs]
        result = await attempt(ledger.record_detections, batch, info.context.actor)
        if not isinstance(result, list):
            return result
        position = max((r.position for r in result), default=ledger.head())
        return DetectionBatch(recorded=result, position=str(position))

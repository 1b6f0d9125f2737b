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
from app.graphql.core.scope import unseen_policies
from app.graphql.ledger.record_detection import RecordDetectionInput
from app.graphql.ledger.types import Detection
from projections.case_status.rows import detection_row


@strawberry.type(description="A recorded batch, in input order; retried entries return their originals.")
class DetectionBatch:
    detections: list[Detection]
    position: str


RecordDetectionsResult = Annotated[
    DetectionBatch | ValidationError | NotFoundError | ConflictError, strawberry.union("RecordDetectionsResult")
]


@strawberry.type
class RecordDetectionsMutation:
    @strawberry.mutation(description="Records up to 1000 detections in one transaction; a bad one writes none.")
    async def record_detections(self, info: Info, inputs: list[RecordDetectionInput]) -> RecordDetectionsResult:
        ledger = info.context.runtime.ledger
        unseen = unseen_policies(info.context.principal, [(i.subject.domain, i.policy) for i in inputs])
        if unseen is not None:
            return unseen
        batch = [i.to_facts(ledger.clock) for i in inputs]
        result = await attempt(ledger.record_detections, batch, info.context.actor)
        if not isinstance(result, list):
            return result
        position = max((r.position for r in result), default=ledger.head())
        detections = [Detection.of_row(detection_row(r.detection, r.position)) for r in result]
        return DetectionBatch(detections=detections, position=str(position))

"""recordDetection: one signal from a pipeline, idempotent on source and externalId."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    attempt,
)
from app.graphql.core.inputs import ContentInput, SubjectInput
from app.graphql.core.scope import unseen_policies
from app.graphql.ledger.types import Detection
from app.write.detections import DetectionRecorded
from domain.base import Clock
from domain.detection import DetectionFacts
from domain.values import ContentType, DetectionSource
from projections.case_status.rows import detection_row


@strawberry.input
class RecordDetectionInput:
    subject: SubjectInput
    account_id: str | None = None
    policy: str = strawberry.field(description="A policy key in the subject's domain.")
    source: DetectionSource
    external_id: str = strawberry.field(description="The detector's own id; a retry with it records nothing new.")
    confidence: float
    model: str | None = None
    content_type: ContentType
    content: ContentInput | None = None
    evidence: JSON | None = None
    detected_at: datetime | None = strawberry.field(default=None, description="Defaults to the time of recording.")

    def to_facts(self, clock: Clock) -> DetectionFacts:
        return DetectionFacts(
            subject=self.subject.to_domain(), account_id=self.account_id, policy_key=self.policy,
            source=self.source, external_id=self.external_id, confidence=self.confidence, model=self.model,
            content_type=self.content_type, content=None if self.content is None else self.content.to_domain(),
            # Any JSON value may arrive; DetectionFacts.validate refuses all but an object.
            evidence={} if self.evidence is None else cast("dict[str, Any]", self.evidence),
            detected_at=self.detected_at or clock(),
        )


RecordDetectionResult = Annotated[
    Detection | ValidationError | NotFoundError | ConflictError, strawberry.union("RecordDetectionResult")
]


@strawberry.type
class RecordDetectionMutation:
    @strawberry.mutation(
        description="Records a detection; a retry with the same source and externalId returns the original."
    )
    async def record_detection(self, info: Info, input: RecordDetectionInput) -> RecordDetectionResult:
        ledger = info.context.runtime.ledger
        unseen = unseen_policies(info.context.principal, [(input.subject.domain, input.policy)])
        if unseen is not None:
            return unseen
        result = await attempt(ledger.record_detection, input.to_facts(ledger.clock), info.context.actor)
        if not isinstance(result, DetectionRecorded):
            return result
        return Detection.of_row(detection_row(result.detection, result.position))

"""recordDetection: one signal from a pipeline, idempotent on source and externalId."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from app.graphql.automation.auto_action import ModelContentInput
from app.graphql.core.context import Info
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    attempted,
)
from app.graphql.core.inputs import Coerced, ContentInput, SubjectInput, coerced
from app.graphql.core.scope import unseen_policies
from app.graphql.ledger.types import Detection
from app.write.detections import DetectionRecorded
from domain.detection import DetectionFacts
from domain.prompt import ModelContent
from domain.values import Content, ContentType, DetectionSource, Subject
from projections.case_status.rows import detection_row


@coerced
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
    model_content: ModelContentInput | None = strawberry.field(
        default=None,
        description="The content itself, for the policy's active automation rules to judge (`docket automate` runs "
        "them as autoAction does); personal data, sealed with the account's key. Not from source LLM or VLM.",
    )


def detection_facts(value: Coerced, now: datetime) -> DetectionFacts:
    """A RecordDetectionInput as GraphQL coerced it, as the domain's facts (which validate it)."""
    subject, content, evidence = value["subject"], value.get("content"), value.get("evidence")
    judged = value.get("modelContent")
    return DetectionFacts(
        subject=Subject(subject["domain"], subject["kind"], subject["id"]), account_id=value.get("accountId"),
        policy_key=value["policy"], source=value["source"], external_id=value["externalId"],
        confidence=value["confidence"], model=value.get("model"), content_type=value["contentType"],
        content=None if content is None else Content(content["uri"], content["hash"], content["version"]),
        # Any JSON value may arrive; DetectionFacts.validate refuses all but an object.
        evidence={} if evidence is None else evidence,
        detected_at=value.get("detectedAt") or now,
        model_content=None if judged is None else ModelContent(
            # Any JSON value may arrive as metadata; ModelContent.validate refuses all but an object.
            text=judged.get("text"), image_urls=tuple(judged.get("imageUrls", ())), metadata=judged.get("metadata"),
        ),
    )


def named_policies(values: list[Coerced]) -> list[tuple[str, str]]:
    """The (domain, policy) each input names, in order."""
    return [(v["subject"]["domain"], v["policy"]) for v in values]


RecordDetectionResult = Annotated[
    Detection | ValidationError | NotFoundError | ConflictError, strawberry.union("RecordDetectionResult")
]


@strawberry.type
class RecordDetectionMutation:
    @strawberry.mutation(
        description="Records a detection; a retry with the same source and externalId returns the original."
    )
    async def record_detection(
        self, info: Info, input: Annotated[Coerced, strawberry.argument(graphql_type=RecordDetectionInput)]
    ) -> RecordDetectionResult:
        runtime = info.context.runtime
        unseen = unseen_policies(info.context.principal, named_policies([input]))
        if unseen is not None:
            return unseen
        facts = detection_facts(input, runtime.ledger.clock())
        result = await attempted(runtime.lone_detections.record(facts, info.context.actor))
        if not isinstance(result, DetectionRecorded):
            return result
        return Detection.of_row(detection_row(result.detection, result.position))

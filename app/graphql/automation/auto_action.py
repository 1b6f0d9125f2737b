"""autoAction: a policy's active automation rules run on content about a subject."""

from __future__ import annotations

from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from app.graphql.automation.types import AutoActionOutcome, RuleVerdict
from app.graphql.core.context import Info
from app.graphql.core.errors import ConflictError, NotFoundError, ValidationError, as_failure
from app.graphql.core.inputs import SubjectInput
from app.graphql.core.scope import unseen_policies
from app.graphql.core.values import Subject
from domain.errors import DocketError
from domain.prompt import ModelContent


@strawberry.input(description="What the models judge: text, image URLs (http or https, for VLMs) and metadata.")
class ModelContentInput:
    text: str | None = None
    image_urls: list[str] = strawberry.field(default_factory=list)
    metadata: JSON | None = None

    def to_domain(self) -> ModelContent:
        # Any JSON value may arrive; ModelContent.validate refuses all but an object.
        metadata = None if self.metadata is None else cast("dict[str, Any]", self.metadata)
        return ModelContent(text=self.text, image_urls=tuple(self.image_urls), metadata=metadata)


@strawberry.input
class AutoActionInput:
    subject: SubjectInput
    account_id: str | None = None
    policy: str
    content: ModelContentInput


AutoActionResult = Annotated[
    AutoActionOutcome | ValidationError | NotFoundError | ConflictError, strawberry.union("AutoActionResult")
]


@strawberry.type
class AutoActionMutation:
    @strawberry.mutation(
        description="Runs the policy's active rules on the content, their models asked at once. Each verdict is "
        "recorded as a detection (source LLM, or VLM with images). SHADOW changes nothing else; ASSIST sends a "
        "violation to a human with the recommendation; AUTO decides a violation at or above the threshold (fully "
        "automated) and sends the rest, failures, protected accounts and forbidden actions to a human. A retry "
        "with the same content answers from what the first recorded."
    )
    async def auto_action(self, info: Info, input: AutoActionInput) -> AutoActionResult:
        return await run_auto_action(info, input)


async def run_auto_action(info: Info, input: AutoActionInput) -> AutoActionResult:
    """Runs the policy's active rules on one input; a failure is the input's typed error."""
    unseen = unseen_policies(info.context.principal, [(input.subject.domain, input.policy)], "input")
    if unseen is not None:
        return unseen
    subject = input.subject.to_domain()
    runtime = info.context.runtime
    try:
        outcomes = await runtime.auto_actions.run(
            subject, input.account_id, input.policy, input.content.to_domain(), info.context.actor
        )
    except DocketError as error:
        return as_failure(error)
    verdicts = [RuleVerdict.of(o) for o in outcomes]
    position = max((o.position for o in outcomes), default=runtime.ledger.head())
    return AutoActionOutcome(subject=Subject.of(subject), policy=input.policy, verdicts=verdicts,
                             position=str(position))

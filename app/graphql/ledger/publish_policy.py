"""publishPolicy: a new version of a domain's policy."""

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
from app.graphql.ledger.guidance_input import PolicyGuidanceInput
from app.graphql.ledger.types import Policy
from app.write.policies import PolicyPublished
from domain.confirmation import ConfirmationRule
from domain.notice_wording import NoticeKind, NoticeTemplate
from domain.policy import PolicyTerms
from domain.values import ActionType, DsaGround, Severity
from projections.policy_catalog.rows import policy_row


@strawberry.input
class ConfirmationRuleInput:
    action: ActionType
    systems: list[str]
    within_minutes: int

    def to_domain(self) -> ConfirmationRule:
        return ConfirmationRule(self.action, tuple(self.systems), self.within_minutes)


@strawberry.input
class NoticeTemplateInput:
    kind: NoticeKind
    language: str = strawberry.field(description="EN, DE or FR: the languages Docket has notices' phrases in.")
    text: str = strawberry.field(
        description="Plain text with `$name` placeholders: policy_title, policy_version, subject_kind, decided_on, "
        "and for DECISION notices actions, automation, territories, appeal; for REPORT_OUTCOME notices outcome. "
        "`$$` is a dollar sign."
    )

    def to_domain(self) -> NoticeTemplate:
        return NoticeTemplate(self.kind, self.language, self.text)


@strawberry.input
class PublishPolicyInput:
    domain: str
    key: str
    title: str
    text: str
    severity: Severity
    strike_points: int
    allowed_actions: list[ActionType]
    dsa_category: str = strawberry.field(description="A STATEMENT_CATEGORY_* key of the DSA Transparency Database.")
    dsa_ground: DsaGround
    zero_tolerance: bool = False
    confirmations: list[ConfirmationRuleInput] = strawberry.field(
        default_factory=list,
        description="Which systems must confirm that they applied which actions of its decisions, and undid them "
        "once reversed, within how many minutes (confirmActionApplied); past that they are OVERDUE.",
    )
    dsa_keywords: list[str] = strawberry.field(
        default_factory=list, description="KEYWORD_* keys of the DSA Transparency Database (category_specification)."
    )
    legal_ground: str | None = strawberry.field(
        default=None, description="For policies on illegal content: the law the content breaks."
    )
    reference_url: str | None = strawberry.field(default=None, description="Where the policy or the law is published.")
    guidance: PolicyGuidanceInput | None = strawberry.field(
        default=None, description="What automation rules' models read; only a policy with guidance can be automated."
    )
    never_automated: list[ActionType] = strawberry.field(
        default_factory=list, description="Actions automation may never take under it (e.g. TERMINATE_ACCOUNT): "
        "a case that would need one goes to a human."
    )
    notice_templates: list[NoticeTemplateInput] = strawberry.field(
        default_factory=list,
        description="The policy's own wording of its notices to people, per kind and language; the default wording "
        "covers the rest.",
    )


PublishPolicyResult = Annotated[
    Policy | ValidationError | NotFoundError | ConflictError, strawberry.union("PublishPolicyResult")
]


@strawberry.type
class PublishPolicyMutation:
    @strawberry.mutation(description="Publishes a policy's next version; the same terms again change nothing.")
    async def publish_policy(self, info: Info, input: PublishPolicyInput) -> PublishPolicyResult:
        terms = PolicyTerms(
            title=input.title, text=input.text, severity=input.severity, strike_points=input.strike_points,
            allowed_actions=tuple(input.allowed_actions), dsa_category=input.dsa_category,
            dsa_ground=input.dsa_ground, zero_tolerance=input.zero_tolerance,
            confirmations=tuple(r.to_domain() for r in input.confirmations), dsa_keywords=tuple(input.dsa_keywords),
            legal_ground=input.legal_ground, reference_url=input.reference_url,
            guidance=None if input.guidance is None else input.guidance.to_domain(),
            never_automated=tuple(input.never_automated),
            notice_templates=tuple(t.to_domain() for t in input.notice_templates),
        )
        if not info.context.principal.sees(input.domain):
            return NotFoundError(message=f"no domain {input.domain!r}")
        ledger = info.context.runtime.ledger
        result = await attempt(ledger.publish_policy, input.domain, input.key, terms, info.context.actor)
        if not isinstance(result, PolicyPublished):
            return result
        return Policy.of_row(policy_row(result.policy), result.position)

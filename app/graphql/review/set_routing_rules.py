"""setRoutingRules: the ordered routing table; the first matching rule picks the queue, else the default."""

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
from app.graphql.core.scope import shared_record
from app.graphql.review.types import RoutingRule, RoutingTable
from app.write.review import Written
from domain.report import ReporterKind
from domain.routing import RoutingRule as DomainRoutingRule
from domain.values import DetectionSource, Severity


@strawberry.input(description="Sends work to `queue` when every condition given holds; leave one out to match any.")
class RoutingRuleInput:
    queue: str
    domains: list[str] = strawberry.field(default_factory=list)
    policies: list[str] = strawberry.field(default_factory=list)
    sources: list[DetectionSource] = strawberry.field(
        default_factory=list, description="Matches when any detection came from one of these sources."
    )
    reporter_kinds: list[ReporterKind] = strawberry.field(
        default_factory=list, description="Matches when any report came from one of these kinds of reporter."
    )
    subject_kinds: list[str] = strawberry.field(default_factory=list)
    severities: list[Severity] = strawberry.field(default_factory=list)
    min_confidence: float | None = strawberry.field(
        default=None, description="Matches when the most confident detection reaches this."
    )

    def to_domain(self) -> DomainRoutingRule:
        return DomainRoutingRule(
            queue=self.queue, domains=tuple(self.domains), policies=tuple(self.policies),
            sources=tuple(str(s) for s in self.sources), reporter_kinds=tuple(str(k) for k in self.reporter_kinds),
            subject_kinds=tuple(self.subject_kinds), severities=tuple(str(s) for s in self.severities),
            min_confidence=self.min_confidence,
        )


@strawberry.input
class SetRoutingRulesInput:
    rules: list[RoutingRuleInput]
    default_queue: str


SetRoutingRulesResult = Annotated[
    RoutingTable | ValidationError | NotFoundError | ConflictError, strawberry.union("SetRoutingRulesResult")
]


@strawberry.type
class SetRoutingRulesMutation:
    @strawberry.mutation(
        description="Replaces the routing table and routes the waiting work again; escalated work stays put."
    )
    async def set_routing_rules(self, info: Info, input: SetRoutingRulesInput) -> SetRoutingRulesResult:
        unseen = shared_record(info.context.principal, "the routing table is shared by every domain: only a principal "
                               "of every domain may change it")
        if unseen is not None:
            return unseen
        rules = [r.to_domain() for r in input.rules]
        result = await attempt(info.context.runtime.ledger.set_routing, rules, input.default_queue, info.context.actor)
        if not isinstance(result, Written):
            return result
        return RoutingTable(
            rules=[RoutingRule.of(r) for r in rules], default_queue=input.default_queue, position=str(result.position)
        )

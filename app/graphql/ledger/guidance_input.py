"""A policy version's guidance for the models that automate it, as publishPolicy takes it."""

from __future__ import annotations

import strawberry

from domain.guidance import Criterion, PolicyExample, PolicyGuidance


@strawberry.input(description="One thing the policy forbids, with the id a model's verdict cites it by (e.g. SP1).")
class CriterionInput:
    id: str
    text: str


@strawberry.input(description="A worked example: content, whether it violates, the criteria it meets and why.")
class PolicyExampleInput:
    content: str
    violation: bool
    rule_ids: list[str] = strawberry.field(default_factory=list)
    rationale: str


@strawberry.input(
    description="What a model reads the policy as: instructions, definitions, what violates, what is safe, and 4 to 6 "
    "examples (the layout safety-reasoning models such as gpt-oss-safeguard are trained on)."
)
class PolicyGuidanceInput:
    instructions: str
    definitions: str
    violates: list[CriterionInput]
    safe: list[str]
    examples: list[PolicyExampleInput]

    def to_domain(self) -> PolicyGuidance:
        return PolicyGuidance(
            instructions=self.instructions, definitions=self.definitions,
            violates=tuple(Criterion(c.id, c.text) for c in self.violates), safe=tuple(self.safe),
            examples=tuple(PolicyExample(e.content, e.violation, tuple(e.rule_ids), e.rationale)
                           for e in self.examples),
        )

"""A policy's guidance for a model: the sections a safety-reasoning model reads the policy in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import ValidationError
from domain.values import check_text

_CRITERION_ID = re.compile(r"^[A-Z][A-Z0-9_-]{0,15}$")
MIN_EXAMPLES = 4
MAX_EXAMPLES = 6


@dataclass(frozen=True)
class Criterion:
    """One thing the policy forbids, with the id a verdict cites it by."""

    id: str
    text: str


@dataclass(frozen=True)
class PolicyExample:
    """A worked example: content, whether it violates, the criteria it meets and why."""

    content: str
    violation: bool
    rule_ids: tuple[str, ...]
    rationale: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "rule_ids", tuple(self.rule_ids))


@dataclass(frozen=True)
class PolicyGuidance:
    """Instructions, definitions, what violates, what is safe and 4-6 examples (the gpt-oss-safeguard layout)."""

    instructions: str
    definitions: str
    violates: tuple[Criterion, ...]
    safe: tuple[str, ...]
    examples: tuple[PolicyExample, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "violates", tuple(self.violates))
        object.__setattr__(self, "safe", tuple(self.safe))
        object.__setattr__(self, "examples", tuple(self.examples))

    @property
    def criterion_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.violates)

    def validate(self) -> PolicyGuidance:
        check_text(self.instructions, "guidance.instructions", 4_000)
        check_text(self.definitions, "guidance.definitions", 4_000)
        if not self.violates:
            raise ValidationError("guidance.violates must name at least one criterion", "guidance.violates")
        for criterion in self.violates:
            if not _CRITERION_ID.match(criterion.id):
                raise ValidationError(
                    f"criterion id {criterion.id!r} must be 1 to 16 upper-case letters, digits, - or _, "
                    "starting with a letter",
                    "guidance.violates",
                )
            check_text(criterion.text, "guidance.violates", 2_000)
        if len(self.criterion_ids) != len(self.violates):
            raise ValidationError("criterion ids must not repeat", "guidance.violates")
        if not self.safe:
            raise ValidationError("guidance.safe must say at least one thing that is allowed", "guidance.safe")
        for text in self.safe:
            check_text(text, "guidance.safe", 2_000)
        if not MIN_EXAMPLES <= len(self.examples) <= MAX_EXAMPLES:
            raise ValidationError(
                f"guidance.examples must hold {MIN_EXAMPLES} to {MAX_EXAMPLES} examples", "guidance.examples"
            )
        for example in self.examples:
            check_text(example.content, "guidance.examples", 4_000)
            check_text(example.rationale, "guidance.examples", 2_000)
            unknown = set(example.rule_ids) - self.criterion_ids
            if unknown:
                raise ValidationError(
                    f"an example cites {', '.join(sorted(unknown))}, which guidance.violates does not define",
                    "guidance.examples",
                )
            if example.violation != bool(example.rule_ids):
                raise ValidationError(
                    "a violating example cites the criteria it meets, a safe one cites none", "guidance.examples"
                )
        return self

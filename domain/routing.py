"""Routing: the one ordered table of rules that sends waiting work to a queue; the first match wins."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.errors import ValidationError
from domain.report import ReporterKind
from domain.values import DetectionSource, Severity, check_name, parse_enum

MAX_RULES = 200


@dataclass(frozen=True)
class RoutingRule:
    """Sends work to `queue` when every condition given holds; an empty condition holds for anything."""

    queue: str
    domains: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    """Detection sources; work matches when any of its detections came from one."""
    reporter_kinds: tuple[str, ...] = ()
    """Work matches when any of its open reports came from one of these kinds of reporter."""
    subject_kinds: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    min_confidence: float | None = None
    """Work matches when its most confident detection reaches this."""

    def __post_init__(self) -> None:
        for name in ("domains", "policies", "sources", "reporter_kinds", "subject_kinds", "severities"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def validate(self, field: str) -> RoutingRule:
        check_name(self.queue, f"{field}.queue")
        for value in (*self.domains, *self.policies, *self.subject_kinds):
            check_name(value, field)
        for source in self.sources:
            parse_enum(DetectionSource, source, f"{field}.sources")
        for kind in self.reporter_kinds:
            parse_enum(ReporterKind, kind, f"{field}.reporterKinds")
        for severity in self.severities:
            parse_enum(Severity, severity, f"{field}.severities")
        if self.min_confidence is not None and not 0.0 <= self.min_confidence <= 1.0:
            raise ValidationError("minConfidence must be between 0 and 1", f"{field}.minConfidence")
        return self

    def matches(self, work: WorkFacts) -> bool:
        return (
            _any(self.domains, {work.domain})
            and _any(self.policies, {work.policy_key})
            and _any(self.sources, work.sources)
            and _any(self.reporter_kinds, work.reporter_kinds)
            and _any(self.subject_kinds, {work.subject_kind})
            and _any(self.severities, {work.severity})
            and (self.min_confidence is None or work.max_confidence >= self.min_confidence)
        )


def _any(allowed: tuple[str, ...], present: Collection[str]) -> bool:
    return not allowed or any(value in allowed for value in present)


@dataclass(frozen=True)
class WorkFacts:
    """What routing looks at: one subject's waiting work under one policy."""

    domain: str
    policy_key: str
    subject_kind: str
    severity: str
    sources: frozenset[str]
    reporter_kinds: frozenset[str]
    max_confidence: float


def route(rules: Sequence[RoutingRule], default_queue: str | None, work: WorkFacts) -> str | None:
    """The queue of the first rule that matches, else the default queue."""
    return next((rule.queue for rule in rules if rule.matches(work)), default_queue)


class Routing(DocketAggregate):
    """The routing table: rules ordered across every queue, so one event holds the whole order."""

    if TYPE_CHECKING:
        rules: tuple[RoutingRule, ...]
        default_queue: str | None

    @staticmethod
    def create_id() -> UUID:
        return natural_id("routing")

    class Created(DocketAggregate.Created):
        def apply(self, routing: Routing) -> None:
            routing.rules = ()
            routing.default_queue = None

    class Changed(DocketAggregate.Event):
        rules: tuple[RoutingRule, ...]
        default_queue: str

        def apply(self, routing: Routing) -> None:
            routing.rules = tuple(self.rules)
            routing.default_queue = self.default_queue

    @classmethod
    def create(cls, actor: str, at: datetime) -> Routing:
        return cls._start(cls.Created, cls.create_id(), actor, at)

    def change(
        self, rules: Sequence[RoutingRule], default_queue: str, known_queues: Collection[str], actor: str, at: datetime
    ) -> None:
        """Replaces the rules; each rule, and the default, must name a queue that exists."""
        if len(rules) > MAX_RULES:
            raise ValidationError(f"at most {MAX_RULES} routing rules", "rules")
        for index, rule in enumerate(rules):
            rule.validate(f"rules[{index}]")
            if rule.queue not in known_queues:
                raise ValidationError(
                    f"rules[{index}] routes to {rule.queue!r}, which is no queue", f"rules[{index}].queue"
                )
        check_name(default_queue, "defaultQueue")
        if default_queue not in known_queues:
            raise ValidationError(f"the default queue {default_queue!r} is no queue", "defaultQueue")
        self._record(self.Changed, actor, at, rules=tuple(rules), default_queue=default_queue)

"""A transparency report's figures, as the transparency read model adds them up for a period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SuspensionBasis(StrEnum):
    """What an Art. 23 suspension is for."""

    CONTENT = "CONTENT"
    """An account's penalty: it kept providing content that breaks the policies (Art. 23(1))."""
    NOTICES = "NOTICES"
    """A reporter's notices stopped being processed: they were manifestly unfounded (Art. 23(2))."""


REPORTER_SUSPENSION = "REPORTER_SUSPENSION"
"""The kind of a reporter's suspension (an account's is its penalty's kind)."""


@dataclass(frozen=True)
class Period:
    """What a report covers: from `start` (inclusive) to `end` (exclusive), in `domains` (None: every domain)."""

    start: datetime
    end: datetime
    domains: Sequence[str] | None = None


@dataclass(frozen=True)
class Restrictions:
    """Decisions of the period that imposed one restriction, by what prompted them, category and detection."""

    source_type: str
    """SOURCE_VOLUNTARY for own-initiative moderation; a notice's source type otherwise."""
    category: str
    restriction: str
    """The decision value of a statement of reasons, e.g. DECISION_VISIBILITY_CONTENT_REMOVED."""
    automated_detection: bool
    decisions: int


@dataclass(frozen=True)
class Decisions:
    """Restrictive decisions of the period, by what prompted them, category, detection and automation."""

    source_type: str
    category: str
    automated_detection: bool
    automation: str
    """FULLY, PARTIALLY or NOT_AUTOMATED: how the decision was made."""
    decisions: int


@dataclass(frozen=True)
class Notices:
    """Notices (Art. 16) of one category (None: every category) from one kind of reporter."""

    category: str | None
    reporter_kind: str
    received: int
    """Submitted in the period."""
    actioned: int
    """Closed in the period by a decision that acted on them (VIOLATING)."""
    not_actioned: int
    """Closed in the period by a decision that found no violation."""
    open_at_end: int
    """Submitted before the period's end and not closed by then."""
    median_seconds_to_action: float | None
    """Of those actioned in the period: from submission to the decision; None when none was."""


@dataclass(frozen=True)
class Complaints:
    """Complaints (appeals, Art. 20) against decisions of one category (None: every category)."""

    category: str | None
    filed: int
    decided: int
    """Resolved in the period, whenever filed."""
    upheld: int
    """Of those decided: the decision stands."""
    overturned: int
    """Of those decided: the decision was reversed."""
    pending_at_end: int
    median_seconds_to_decide: float | None


@dataclass(frozen=True)
class AutomationUse:
    """Restrictive decisions of the period made at one level of automation, and how their appeals ended."""

    automation: str
    decisions: int
    complaints_decided: int
    """Complaints against decisions made at this level, resolved in the period."""
    overturned: int


@dataclass(frozen=True)
class RuleAccuracy:
    """An automation rule's latest golden-set evaluation recorded before the period's end."""

    rule_id: str
    domain: str
    policy_key: str
    model: str
    evaluated_at: datetime
    samples: int
    precision: float
    recall: float
    kappa: float


@dataclass(frozen=True)
class Suspensions:
    """Art. 23 suspensions imposed in the period, by basis and kind."""

    basis: SuspensionBasis
    kind: str
    suspensions: int


@dataclass(frozen=True)
class TransparencyReport:
    period: Period
    restrictions: list[Restrictions]
    decisions: list[Decisions]
    notices: list[Notices]
    complaints: list[Complaints]
    automation: list[AutomationUse]
    rules: list[RuleAccuracy]
    suspensions: list[Suspensions]

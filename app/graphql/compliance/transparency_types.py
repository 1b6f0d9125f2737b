"""The GraphQL types of a transparency report: the figures of one period, section by section."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import strawberry

from projections.transparency.rows import SuspensionBasis, TransparencyReport


@strawberry.type(description="Restrictive decisions of the period that imposed one restriction in the EEA.")
class RestrictionFigure:
    source_type: str = strawberry.field(description="SOURCE_VOLUNTARY: own-initiative moderation; otherwise the "
                                        "kind of notice that prompted the decisions.")
    category: str
    restriction: str = strawberry.field(description="As a statement of reasons names it, e.g. "
                                        "DECISION_VISIBILITY_CONTENT_REMOVED.")
    automated_detection: bool
    decisions: int


@strawberry.type(description="Restrictive decisions of the period, by source, category, detection and automation.")
class DecisionFigure:
    source_type: str
    category: str
    automated_detection: bool
    automation: str = strawberry.field(description="FULLY, PARTIALLY or NOT_AUTOMATED.")
    decisions: int


@strawberry.type(description="Notices (DSA Art. 16) of one category (null: every category) from one kind of reporter.")
class NoticeFigure:
    category: str | None
    reporter_kind: str = strawberry.field(description="USER, TRUSTED_FLAGGER or AUTHORITY.")
    received: int = strawberry.field(description="Submitted in the period.")
    actioned: int = strawberry.field(description="Closed in the period by a decision that acted on them.")
    not_actioned: int = strawberry.field(description="Closed in the period by a decision that found no violation.")
    open_at_end: int = strawberry.field(description="Submitted before the period's end and not closed by then.")
    median_seconds_to_action: float | None = strawberry.field(
        description="From submission to the decision, over the notices actioned in the period.")


@strawberry.type(description="Complaints (appeals, DSA Art. 20) against decisions of one category (null: every "
                 "category).")
class ComplaintFigure:
    category: str | None
    filed: int
    decided: int = strawberry.field(description="Resolved in the period, whenever filed.")
    upheld: int
    overturned: int
    pending_at_end: int
    median_seconds_to_decide: float | None


@strawberry.type(description="Restrictive decisions of the period at one level of automation, and the complaints "
                 "against such decisions resolved in the period.")
class AutomationFigure:
    automation: str
    decisions: int
    complaints_decided: int
    overturned: int


@strawberry.type(description="An automation rule's latest golden-set evaluation recorded before the period's end.")
class RuleAccuracyFigure:
    rule_id: strawberry.ID
    domain: str
    policy_key: str
    model: str
    evaluated_at: datetime
    samples: int
    precision: float
    recall: float
    kappa: float


@strawberry.type(description="DSA Art. 23 suspensions imposed in the period.")
class SuspensionFigure:
    basis: SuspensionBasis = strawberry.field(description="CONTENT: an account's penalty; NOTICES: a reporter's, "
                                              "for manifestly unfounded notices (counted only without a domain).")
    kind: str
    suspensions: int


@strawberry.type(description="A DSA transparency report's figures for a period (Implementing Regulation (EU) "
                 "2024/2835, Annex I): the same for a closed period whenever it is asked.")
class TransparencyReportFigures:
    from_: datetime = strawberry.field(name="from")
    to: datetime
    domain: str | None
    restrictions: list[RestrictionFigure]
    decisions: list[DecisionFigure]
    notices: list[NoticeFigure]
    complaints: list[ComplaintFigure]
    automation: list[AutomationFigure]
    automation_rules: list[RuleAccuracyFigure]
    suspensions: list[SuspensionFigure]

    @classmethod
    def of(cls, report: TransparencyReport, domain: str | None) -> TransparencyReportFigures:
        return cls(
            from_=report.period.start, to=report.period.end, domain=domain,
            restrictions=[RestrictionFigure(**asdict(r)) for r in report.restrictions],
            decisions=[DecisionFigure(**asdict(r)) for r in report.decisions],
            notices=[NoticeFigure(**asdict(r)) for r in report.notices],
            complaints=[ComplaintFigure(**asdict(r)) for r in report.complaints],
            automation=[AutomationFigure(**asdict(r)) for r in report.automation],
            automation_rules=[RuleAccuracyFigure(**asdict(r)) for r in report.rules],
            suspensions=[SuspensionFigure(**asdict(r)) for r in report.suspensions],
        )

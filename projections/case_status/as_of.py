"""A case as it stood at a past moment, from the rows of the case status read model.

Only what was recorded by then counts: detections recorded and decisions made by `at`. A
decision superseded or reversed after `at` shows as live, as it was; the case's status follows
from those alone, by the rule the projection applies (a policy with detections and no decision
keeps the case OPEN; a live VIOLATING decision makes it ACTIONED; otherwise CLEARED).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.standing import Strike
from projections.case_status.rows import CaseRow, DecisionRow, DetectionRow


def case_as_of(
    case: CaseRow, detections: list[DetectionRow], decisions: list[DecisionRow], at: datetime
) -> tuple[CaseRow, list[DetectionRow], list[DecisionRow]] | None:
    """The case, its detections and decisions as of `at`; None if the case was not yet opened."""
    if case.opened_at > at:
        return None
    seen = [d for d in detections if d.recorded_at <= at]
    made = sorted((d for d in decisions if d.decided_at <= at), key=lambda d: d.position)
    ids = {d.decision_id for d in made}
    latest: dict[str, DecisionRow] = {}
    for decision in made:
        latest[decision.policy_key] = decision
    shown = []
    for decision in made:
        reversed_by_then = decision.reversed_at is not None and decision.reversed_at <= at
        superseded_by = decision.superseded_by if decision.superseded_by in ids else None
        shown.append(
            replace(
                decision,
                live=latest[decision.policy_key] is decision and not reversed_by_then,
                superseded_by=superseded_by,
                reversed_at=decision.reversed_at if reversed_by_then else None,
                reversal_reason=decision.reversal_reason if reversed_by_then else None,
            )
        )
    policies = {d.policy_key for d in seen} | set(latest)
    if any(p not in latest for p in policies):
        status = "OPEN"
    elif any(d.live and d.outcome == "VIOLATING" for d in shown):
        status = "ACTIONED"
    else:
        status = "CLEARED"
    moments = [case.opened_at, *(d.recorded_at for d in seen), *(d.decided_at for d in made)]
    moments += [d.reversed_at for d in shown if d.reversed_at is not None]
    positions = [*(d.position for d in seen), *(d.position for d in made)]
    as_of = replace(
        case, status=status, updated_at=max(moments), last_position=max(positions, default=case.last_position)
    )
    return as_of, seen, shown


def strike_as_of(strike: Strike, at: datetime) -> Strike:
    """Hides a removal that had not yet happened at `at`."""
    if strike.removed_at is not None and strike.removed_at > at:
        return replace(strike, removed_at=None, removal_reason=None)
    return strike

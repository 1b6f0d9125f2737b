"""Reads of shadow agreement: each rule's figures per policy version, its verdicts of a period, and its caps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.automation import AgreementFigures
from projections.shadow_agreement.figures import agreement_figures
from projections.sql import Steps, marks, query
from projections.values import maybe_utc, utc

_POSITION = "SELECT position FROM projection_positions WHERE name = 'shadow_agreement'"
_PAIRS = """SELECT rule_id, policy_version, human, predicted, count(*) FROM rule_verdicts
WHERE rule_id IN ({}) AND human IS NOT NULL GROUP BY rule_id, policy_version, human, predicted"""
_PERIOD = """SELECT detection_id, policy_version, case_id, subject_kind, subject_id, account_id, predicted, confidence,
failed, verdict_at, human, decided_at FROM rule_verdicts WHERE rule_id = ? AND verdict_at >= ? AND verdict_at < ?
ORDER BY position"""
_CAPPED = """SELECT rule_id, policy_key, capped, count(*) FROM rule_verdicts WHERE capped IS NOT NULL
GROUP BY rule_id, policy_key, capped ORDER BY rule_id, capped"""


@query
def agreements(rule_ids: Sequence[str]) -> Steps[dict[str, list[AgreementFigures]]]:
    """Each rule's shadow agreement per policy version, newest version first: its verdicts (a failed classification
    counts as no violation) against the human decisions made on their cases since."""
    if not rule_ids:
        return {}
    rows = yield _PAIRS.format(marks(rule_ids)), tuple(rule_ids)
    reached = yield _POSITION, ()
    position = int(reached[0][0]) if reached else 0
    counts: dict[tuple[str, int], dict[tuple[int, int], int]] = {}
    for rule_id, version, human, predicted, count in rows:
        counts.setdefault((rule_id, int(version)), {})[int(human), int(predicted)] = int(count)
    found: dict[str, list[AgreementFigures]] = {}
    for (rule_id, version), pairs in sorted(counts.items(), key=lambda item: (item[0][0], -item[0][1])):
        found.setdefault(rule_id, []).append(agreement_figures(version, pairs, position))
    return found


@dataclass(frozen=True)
class RuleVerdictRow:
    """One verdict of a rule, and the human decision made on its case since, if any."""

    detection_id: str
    policy_version: int
    case_id: str
    subject_kind: str
    subject_id: str
    account_id: str | None
    violation: bool
    confidence: float | None
    failed: bool
    verdict_at: datetime
    human: bool | None
    """True when a human decided the case VIOLATING, False when NOT_VIOLATING, None before any did."""
    decided_at: datetime | None


@query
def verdicts_between(rule_id: str, start: datetime, end: datetime) -> Steps[list[RuleVerdictRow]]:
    """The rule's verdicts recorded in [start, end), in the order they were recorded."""
    rows = yield _PERIOD, (rule_id, start, end)
    return [_verdict(r) for r in rows]


def _verdict(r: tuple[Any, ...]) -> RuleVerdictRow:
    return RuleVerdictRow(
        detection_id=r[0], policy_version=r[1], case_id=r[2], subject_kind=r[3], subject_id=r[4], account_id=r[5],
        violation=bool(r[6]), confidence=r[7], failed=bool(r[8]), verdict_at=utc(r[9]),
        human=None if r[10] is None else bool(r[10]), decided_at=maybe_utc(r[11]),
    )


@query
def capped_counts() -> Steps[list[tuple[str, str, str, int]]]:
    """Per rule (its domain and policy) and cap, how many decisions AUTO would have made went to a human instead."""
    rows = yield _CAPPED, ()
    return [(r[0], r[1], r[2], int(r[3])) for r in rows]

"""Reads of the case status read model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from domain.values import Subject
from projections.case_status.rows import CaseRow, DecisionRow, DetectionRow
from projections.sql import Steps, first, grouped, marks, query
from projections.values import actions_from, content_from, maybe_utc, utc

# A decision's predecessor is the one of its case whose superseded_by names it.
_DECISION_COLUMNS = """d.decision_id, d.case_id, c.domain, c.subject_kind, c.subject_id, d.account_id,
d.policy_key, d.policy_version, d.outcome, d.actions, d.detection_ids, d.content_uri, d.content_hash,
d.content_version, d.rationale, d.automation, d.dsa_category, d.dsa_ground, d.live, d.superseded_by,
d.strike_id, d.decided_at, d.decided_by, d.position, d.reversed_at, d.reversal_reason, d.batch_id,
(SELECT p.decision_id FROM decisions p WHERE p.case_id = d.case_id AND p.superseded_by = d.decision_id)"""


@query
def account_domains(account_id: str) -> Steps[set[str]]:
    """The domains in which the account has a case."""
    rows = yield ("SELECT DISTINCT domain FROM cases WHERE account_id = ?", (account_id,))
    return {r[0] for r in rows}


@query
def find_case(subject: Subject) -> Steps[CaseRow | None]:
    rows = yield (
        ("SELECT case_id, domain, subject_kind, subject_id, account_id, status, opened_at, updated_at, "
        "last_position, opened_position FROM cases WHERE domain = ? AND subject_kind = ? AND subject_id = ?"),
        (subject.domain, subject.kind, subject.id),
    )
    r = first(rows)
    return None if r is None else case_row(r)


def case_row(r: tuple[Any, ...]) -> CaseRow:
    """A row of `cases`, its columns selected in table order."""
    return CaseRow(
        case_id=r[0], subject=Subject(r[1], r[2], r[3]), account_id=r[4], status=r[5], opened_at=utc(r[6]),
        updated_at=utc(r[7]), last_position=r[8], opened_position=int(r[9]),
    )


@query
def case_detections(case_id: str) -> Steps[list[DetectionRow]]:
    return (yield from detections_of_cases.steps([case_id]))[case_id]


@query
def detections_of_cases(case_ids: Sequence[str]) -> Steps[dict[str, list[DetectionRow]]]:
    """Each case's detections in ledger order, in one statement."""
    rows = yield (
        ("SELECT case_id, detection_id, policy_key, policy_version, source, external_id, confidence, model, "
        "content_type, content_uri, content_hash, content_version, automated, detected_at, recorded_at, recorded_by, "
        f"position, evidence FROM detections WHERE case_id IN ({marks(case_ids)}) ORDER BY position"),
        tuple(case_ids),
    )
    return grouped(case_ids, [
        (r[0], DetectionRow(
            detection_id=r[1], policy_key=r[2], policy_version=r[3], source=r[4], external_id=r[5],
            confidence=r[6], model=r[7], content_type=r[8], content=content_from(r[9], r[10], r[11]),
            automated=bool(r[12]), detected_at=utc(r[13]), recorded_at=utc(r[14]), recorded_by=r[15],
            position=r[16], evidence=None if r[17] is None else json.loads(r[17]),
        ))
        for r in rows
    ])


@query
def case_decisions(case_id: str) -> Steps[list[DecisionRow]]:
    return (yield from decisions_of_cases.steps([case_id]))[case_id]


@query
def decisions_of_cases(case_ids: Sequence[str]) -> Steps[dict[str, list[DecisionRow]]]:
    """Each case's decisions in ledger order, in one statement."""
    rows = yield (
        (f"SELECT {_DECISION_COLUMNS} FROM decisions d JOIN cases c ON c.case_id = d.case_id "
        f"WHERE d.case_id IN ({marks(case_ids)}) ORDER BY d.position"),
        tuple(case_ids),
    )
    return grouped(case_ids, [(row.case_id, row) for row in map(_decision, rows)])


@query
def find_decision(decision_id: str) -> Steps[DecisionRow | None]:
    rows = yield (
        (f"SELECT {_DECISION_COLUMNS} FROM decisions d JOIN cases c ON c.case_id = d.case_id "
        "WHERE d.decision_id = ?"),
        (decision_id,),
    )
    r = first(rows)
    return None if r is None else _decision(r)


def _decision(r: tuple[Any, ...]) -> DecisionRow:
    return DecisionRow(
        decision_id=r[0], case_id=r[1], subject=Subject(r[2], r[3], r[4]), account_id=r[5], policy_key=r[6],
        policy_version=r[7], outcome=r[8], actions=actions_from(r[9]), detection_ids=tuple(json.loads(r[10])),
        content=content_from(r[11], r[12], r[13]), rationale=r[14], automation=r[15], dsa_category=r[16],
        dsa_ground=r[17], live=bool(r[18]), superseded_by=r[19], strike_id=r[20], decided_at=utc(r[21]),
        decided_by=r[22], position=r[23], reversed_at=maybe_utc(r[24]), reversal_reason=r[25], batch_id=r[26],
        supersedes=r[27],
    )

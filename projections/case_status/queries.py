"""Reads of the case status read model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from domain.values import Subject
from projections.case_status.rows import CaseRecords, CaseRow, DecisionRow, DetectionRow
from projections.sql import Steps, first, grouped, marks, query
from projections.values import actions_from, content_from, maybe_utc, utc

_CASE_COLUMNS = ("c.case_id, c.domain, c.subject_kind, c.subject_id, c.account_id, c.status, c.opened_at, "
                 "c.updated_at, c.last_position, c.opened_position")
_SUBJECT = "c.domain = ? AND c.subject_kind = ? AND c.subject_id = ?"
_DETECTION_COLUMNS = """d.detection_id, d.policy_key, d.policy_version, d.source, d.external_id, d.confidence, d.model,
d.content_type, d.content_uri, d.content_hash, d.content_version, d.automated, d.detected_at, d.recorded_at,
d.recorded_by, d.position, d.evidence"""
# A decision's predecessor is the one of its case whose superseded_by names it.
_DECISION_COLUMNS = """d.decision_id, d.case_id, c.domain, c.subject_kind, c.subject_id, d.account_id,
d.policy_key, d.policy_version, d.outcome, d.actions, d.detection_ids, d.content_uri, d.content_hash,
d.content_version, d.rationale, d.automation, d.dsa_category, d.dsa_ground, d.live, d.superseded_by,
d.strike_id, d.decided_at, d.decided_by, d.position, d.reversed_at, d.reversal_reason, d.batch_id,
(SELECT p.decision_id FROM decisions p WHERE p.case_id = d.case_id AND p.superseded_by = d.decision_id)"""


def _width(columns: str) -> int:
    """How many columns a list selects (none of them holds a comma of its own)."""
    return columns.count(",") + 1


_CASE_WIDTH = _width(_CASE_COLUMNS)
_DETECTION_WIDTH = _width(_DETECTION_COLUMNS)
_DECISION_WIDTH = _width(_DECISION_COLUMNS)


@query
def account_domains(account_id: str) -> Steps[set[str]]:
    """The domains in which the account has a case."""
    rows = yield ("SELECT DISTINCT domain FROM cases WHERE account_id = ?", (account_id,))
    return {r[0] for r in rows}


@query
def find_case(subject: Subject) -> Steps[CaseRow | None]:
    rows = yield f"SELECT {_CASE_COLUMNS} FROM cases c WHERE {_SUBJECT}", (subject.domain, subject.kind, subject.id)
    r = first(rows)
    return None if r is None else case_row(r)


@query
def find_case_with(subject: Subject, detections: bool, decisions: bool) -> Steps[CaseRecords | None]:
    """The case with its detections, its decisions, or both, as asked: one statement."""
    if not (detections or decisions):
        row = yield from find_case.steps(subject)
        return None if row is None else CaseRecords(row, None, None)
    statement, branches = _case_with(detections, decisions)
    rows = yield statement, (subject.domain, subject.kind, subject.id) * branches
    if not rows:
        return None
    start = 2 + _CASE_WIDTH
    after = start + (_DETECTION_WIDTH if detections else 0)
    return CaseRecords(
        case_row(rows[0][2:start]),
        [_detection(r[start:]) for r in rows if r[0] == 0 and r[1] is not None] if detections else None,
        [_decision(r[after:]) for r in rows if r[0] == 1 and r[1] is not None] if decisions else None,
    )


def case_row(r: Sequence[Any]) -> CaseRow:
    """A row of `cases`, its columns selected in table order."""
    return CaseRow(
        case_id=r[0], subject=Subject(r[1], r[2], r[3]), account_id=r[4], status=r[5], opened_at=utc(r[6]),
        updated_at=utc(r[7]), last_position=r[8], opened_position=int(r[9]),
    )


@cache
def _case_with(detections: bool, decisions: bool) -> tuple[str, int]:
    """`find_case_with`'s statement and its number of branches: a row per record of a kind asked for, with its kind,
    its position, the case's columns and the record's (NULL where the other kind's go). A case with no record of a
    kind has one row of it whose record columns are NULL."""
    kinds = [(0, _DETECTION_COLUMNS, _DETECTION_WIDTH, "detections")] if detections else []
    kinds += [(1, _DECISION_COLUMNS, _DECISION_WIDTH, "decisions")] if decisions else []
    branches = [
        f"SELECT {kind}, d.position, {_CASE_COLUMNS}, "
        + ", ".join(columns if other == kind else ", ".join(["NULL"] * width) for other, _, width, _ in kinds)
        + f" FROM cases c LEFT JOIN {table} d ON d.case_id = c.case_id WHERE {_SUBJECT}"
        for kind, columns, _, table in kinds
    ]
    return " UNION ALL ".join(branches) + " ORDER BY 1, 2", len(branches)


@query
def detections_of_cases(case_ids: Sequence[str]) -> Steps[dict[str, list[DetectionRow]]]:
    """Each case's detections in ledger order, in one statement."""
    rows = yield (
        (f"SELECT d.case_id, {_DETECTION_COLUMNS} FROM detections d WHERE d.case_id IN ({marks(case_ids)}) "
        "ORDER BY d.position"),
        tuple(case_ids),
    )
    return grouped(case_ids, [(r[0], _detection(r[1:])) for r in rows])


def _detection(r: Sequence[Any]) -> DetectionRow:
    return DetectionRow(
        detection_id=r[0], policy_key=r[1], policy_version=r[2], source=r[3], external_id=r[4], confidence=r[5],
        model=r[6], content_type=r[7], content=content_from(r[8], r[9], r[10]), automated=bool(r[11]),
        detected_at=utc(r[12]), recorded_at=utc(r[13]), recorded_by=r[14], position=r[15],
        evidence=None if r[16] is None else json.loads(r[16]),
    )


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


def _decision(r: Sequence[Any]) -> DecisionRow:
    return DecisionRow(
        decision_id=r[0], case_id=r[1], subject=Subject(r[2], r[3], r[4]), account_id=r[5], policy_key=r[6],
        policy_version=r[7], outcome=r[8], actions=actions_from(r[9]), detection_ids=tuple(json.loads(r[10])),
        content=content_from(r[11], r[12], r[13]), rationale=r[14], automation=r[15], dsa_category=r[16],
        dsa_ground=r[17], live=bool(r[18]), superseded_by=r[19], strike_id=r[20], decided_at=utc(r[21]),
        decided_by=r[22], position=r[23], reversed_at=maybe_utc(r[24]), reversal_reason=r[25], batch_id=r[26],
        supersedes=r[27],
    )

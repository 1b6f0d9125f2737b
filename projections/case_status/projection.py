"""Keeps every case's status, detections and decisions."""

from __future__ import annotations

import json
from typing import Any

from domain.account import Account
from domain.case import Case
from domain.detection import Detection
from domain.values import Outcome, Subject
from projections.base import EventAtATime, started
from projections.case_status.rows import detection_row
from projections.sql import Sql
from projections.values import actions_json, content_columns, text_id

_NEW_CASE = """
INSERT INTO cases (case_id, domain, subject_kind, subject_id, account_id, status, opened_at, updated_at,
                   last_position, opened_position)
VALUES (?, ?, ?, ?, ?, 'OPEN', ?, ?, ?, ?)
"""
_OPEN_CASE = _NEW_CASE + "ON CONFLICT (case_id) DO NOTHING"
_COUNT_DETECTION = """
INSERT INTO case_policies (case_id, policy_key, detections) VALUES (?, ?, 1)
ON CONFLICT (case_id, policy_key) DO UPDATE SET detections = case_policies.detections + 1
"""
_INSERT_DETECTION = """
INSERT INTO detections (detection_id, case_id, domain, account_id, policy_key, policy_version, source,
                        external_id, confidence, model, content_type, content_uri, content_hash,
                        content_version, automated, detected_at, recorded_at, recorded_by, position)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
# A VIOLATING re-decision of a VIOLATING decision counts the strike that one counts: the case keeps its strike.
_INSERT_DECISION = """
INSERT INTO decisions (decision_id, case_id, domain, account_id, policy_key, policy_version, outcome,
                       actions, detection_ids, content_uri, content_hash, content_version, rationale,
                       automation, dsa_category, dsa_ground, live, superseded_by, strike_id, decided_at,
                       decided_by, position, batch_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL,
        (SELECT s.strike_id FROM decisions s WHERE s.decision_id = ?), ?, ?, ?, ?)
"""
_LIVE_DECISION = """
INSERT INTO case_policies (case_id, policy_key, detections, live_decision_id, live_outcome)
VALUES (?, ?, 0, ?, ?)
ON CONFLICT (case_id, policy_key) DO UPDATE SET
    live_decision_id = excluded.live_decision_id, live_outcome = excluded.live_outcome
"""
_STATUS_OF_CASE = """CASE
        WHEN EXISTS (SELECT 1 FROM case_policies p WHERE p.case_id = cases.case_id
                     AND p.live_decision_id IS NULL) THEN 'OPEN'
        WHEN EXISTS (SELECT 1 FROM case_policies p WHERE p.case_id = cases.case_id
                     AND p.live_outcome = 'VIOLATING') THEN 'ACTIONED'
        ELSE 'CLEARED' END"""
_STATUS = f"""
UPDATE cases SET status = {_STATUS_OF_CASE}, updated_at = ?, last_position = ?, account_id = COALESCE(account_id, ?)
WHERE case_id = ?
"""
# A detection opens its case (OPEN: the policy it counted awaits a decision) or settles it again, in one statement.
_DETECTED_CASE = _NEW_CASE + f"""ON CONFLICT (case_id) DO UPDATE SET status = {_STATUS_OF_CASE},
    updated_at = excluded.updated_at, last_position = excluded.last_position,
    account_id = COALESCE(cases.account_id, excluded.account_id)
"""


class CaseStatusProjection(EventAtATime):
    name = "case_status"
    weight = 90
    tables = ("cases", "case_policies", "detections", "decisions")
    event_types = (
        Detection.Recorded, Case.Opened, Case.Decided, Case.ActionsReversed, Account.StrikeIssued, Case.Reported,
    )

    def apply(self, event: Any, position: int, sql: Sql) -> None:
        if isinstance(event, Detection.Recorded):
            self._detected(event, position, sql)
        elif isinstance(event, Case.Opened):
            _open(sql, _OPEN_CASE, str(event.originator_id), event.subject, event.account_id, event, 0, position)
            _settle(sql, str(event.originator_id), event.account_id, event, position)
        elif isinstance(event, Case.Decided):
            self._decided(event, position, sql)
        elif isinstance(event, Case.ActionsReversed):
            case_id = str(event.originator_id)
            decision_id = str(event.decision_id)
            sql.execute(
                "UPDATE decisions SET live = ?, reversed_at = ?, reversal_reason = ? WHERE decision_id = ?",
                (False, event.occurred_at, event.reason, decision_id),
            )
            sql.execute(
                "UPDATE case_policies SET live_outcome = 'REVERSED' WHERE case_id = ? AND live_decision_id = ?",
                (case_id, decision_id),
            )
            _settle(sql, case_id, None, event, position)
        elif isinstance(event, Case.Reported):
            # A reported policy awaits a decision like a detected one.
            case_id = str(event.originator_id)
            sql.execute(
                "INSERT INTO case_policies (case_id, policy_key, detections) VALUES (?, ?, 0) "
                "ON CONFLICT (case_id, policy_key) DO NOTHING",
                (case_id, event.policy_key),
            )
            _settle(sql, case_id, None, event, position)
        elif isinstance(event, Account.StrikeIssued):
            strike = event.strike
            sql.execute(
                "UPDATE decisions SET strike_id = ? WHERE decision_id = ?",
                (str(strike.strike_id), str(strike.decision_id)),
            )

    @staticmethod
    def _detected(event: Detection.Recorded, position: int, sql: Sql) -> None:
        facts = event.facts
        subject = facts.subject
        case_id = str(Case.create_id(subject))
        row = detection_row(started(Detection, event), position)
        sql.execute(_COUNT_DETECTION, (case_id, facts.policy_key))
        sql.execute(
            _INSERT_DETECTION,
            (
                row.detection_id, case_id, subject.domain, facts.account_id, row.policy_key, row.policy_version,
                row.source, row.external_id, row.confidence, row.model, row.content_type, *content_columns(row.content),
                row.automated, row.detected_at, row.recorded_at, row.recorded_by, row.position,
            ),
        )
        _open(sql, _DETECTED_CASE, case_id, subject, facts.account_id, event, position, position)

    @staticmethod
    def _decided(event: Case.Decided, position: int, sql: Sql) -> None:
        d = event.decision
        case_id = str(event.originator_id)
        sql.execute("SELECT domain FROM cases WHERE case_id = ?", (case_id,))
        row = sql.fetchone()
        assert row is not None, f"case {case_id} was decided before it was opened"
        sql.execute(
            _INSERT_DECISION,
            (
                str(d.decision_id), case_id, row[0], event.account_id, d.policy_key, d.policy_version,
                str(d.outcome), actions_json(d.actions), json.dumps([str(i) for i in d.detection_ids]),
                *content_columns(d.content), d.rationale, str(d.automation), d.dsa_category,
                str(d.dsa_ground), True, text_id(d.supersedes if d.outcome is Outcome.VIOLATING else None),
                event.occurred_at, event.actor, position, text_id(d.batch_id),
            ),
        )
        if d.supersedes is not None:
            sql.execute(
                "UPDATE decisions SET live = ?, superseded_by = ? WHERE decision_id = ?",
                (False, str(d.decision_id), str(d.supersedes)),
            )
        sql.execute(_LIVE_DECISION, (case_id, d.policy_key, str(d.decision_id), str(d.outcome)))
        _settle(sql, case_id, event.account_id, event, position)


def _open(
    sql: Sql, statement: str, case_id: str, subject: Subject, account_id: str | None, event: Any, last_position: int,
    position: int,
) -> None:
    """Inserts a case opened at `position` by `event`, by `statement`: `_NEW_CASE` with a conflict clause."""
    at = event.occurred_at
    sql.execute(
        statement, (case_id, subject.domain, subject.kind, subject.id, account_id, at, at, last_position, position)
    )


def _settle(sql: Sql, case_id: str, account_id: str | None, event: Any, position: int) -> None:
    sql.execute(_STATUS, (event.occurred_at, position, account_id, case_id))

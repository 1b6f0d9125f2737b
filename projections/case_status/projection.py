"""Keeps every case's status, detections and decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.account import Account
from domain.case import Case
from domain.detection import Detection
from domain.values import Outcome, Subject
from projections.base import Projection
from projections.batch import Batch, Row, write_all
from projections.case_status.tables import CASE_POLICIES, CASES, DECISIONS, DETECTIONS
from projections.json_text import json_text
from projections.sql import Sql
from projections.values import actions_json, case_text_id, content_columns, text_id, utc, uuid_text

_evidence_json = json_text(sort_keys=True, default=str)
"""`json.dumps(evidence, sort_keys=True, default=str)`."""
_ids_json = json_text()
"""`json.dumps(ids)`."""


class CaseStatusProjection(Projection):
    name = "case_status"
    weight = 56
    waited_on = True
    tables = ("cases", "case_policies", "detections", "decisions")
    event_types = (
        Detection.Recorded, Case.Opened, Case.Decided, Case.ActionsReversed, Account.StrikeIssued, Case.Reported,
    )

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        changes = CaseChanges(events, sql)
        for (position, event), case_id in zip(events, changes.case_of, strict=True):
            changes.apply(event, position, case_id)
        changes.write(sql)


class CaseChanges:
    """The rows of cases, their policies, detections and decisions that one batch reads and changes."""

    def __init__(self, events: Batch, sql: Sql) -> None:
        self.cases = CASES.rows()
        self.policies = CASE_POLICIES.rows()
        self.detections: list[tuple[Any, ...]] = []
        """Rows of `DETECTIONS`, each only ever added: inserted as made (a detection recorded twice fails the write)."""
        self.decisions = DECISIONS.rows()
        self.case_of = [_case_of(e) for _, e in events]
        """Each event's case (None: it changes none), worked out once: a case id is dear to make from a subject."""
        case_ids = [(c,) for c in self.case_of if c is not None]
        self.cases.fetch(sql, case_ids)
        # A case's status depends on all its policies: their keys, as the batch has left them so far.
        self.policy_keys: dict[str, list[str]] = {case_id: [] for (case_id,) in case_ids}
        for policy in self.policies.fetch_where(sql, ("case_id",), case_ids):
            self.policy_keys[policy["case_id"]].append(policy["policy_key"])
        self.decisions.fetch(sql, [(d,) for _, e in events if (d := _decision_changed_by(e)) is not None])

    def apply(self, event: Any, position: int, case_id: Any) -> None:
        """Applies `event`, at `position`, of the case `case_id` (see `_case_of`)."""
        apply = _APPLY.get(type(event))
        if apply is not None:  # an event of another read model's changes nothing here
            apply(self, event, position, case_id)

    def write(self, sql: Sql) -> None:
        write_all(sql, self.cases, self.policies)
        if self.detections:
            sql.insert_rows(DETECTIONS.name, DETECTIONS.columns, self.detections)
        self.decisions.write(sql)

    def _detected(self, event: Detection.Recorded, position: int, case_id: str) -> None:
        facts = event.facts
        subject = facts.subject
        policy = self._policy(case_id, facts.policy_key)
        policy["detections"] += 1
        self.policies.put(policy)
        source = facts.source
        self.detections.append((
            uuid_text(event.originator_id), case_id, subject.domain, facts.account_id, facts.policy_key,
            event.policy_version, str(source), facts.external_id, facts.confidence, facts.model,
            str(facts.content_type), *content_columns(facts.content), source.automated, utc(facts.detected_at),
            utc(event.occurred_at), event.actor, position, _evidence_json(facts.evidence),
        ))
        # A detection opens its case (OPEN: the policy it counted awaits a decision) or settles it again.
        if not self._open(case_id, subject, facts.account_id, event, position):
            self._settle(case_id, facts.account_id, event, position)

    def _decided(self, event: Case.Decided, position: int, case_id: str) -> None:
        d = event.decision
        decision_id = uuid_text(d.decision_id)
        case = self.cases.get((case_id,))
        assert case is not None, f"case {case_id} was decided before it was opened"
        # A VIOLATING re-decision of a VIOLATING decision counts the strike that one counts: the case keeps its strike.
        superseded = None if d.supersedes is None else self.decisions.get((uuid_text(d.supersedes),))
        # The content's columns by name, not `**dict(zip(CONTENT, ...))`: that costs ~1.7 us a decision more.
        uri, hash_, version = content_columns(d.content)
        self.decisions.add({
            "decision_id": decision_id, "case_id": case_id, "domain": case["domain"], "account_id": event.account_id,
            "policy_key": d.policy_key, "policy_version": d.policy_version, "outcome": str(d.outcome),
            "actions": actions_json(d.actions), "detection_ids": _ids_json([uuid_text(i) for i in d.detection_ids]),
            "content_uri": uri, "content_hash": hash_, "content_version": version, "rationale": d.rationale,
            "automation": str(d.automation), "dsa_category": d.dsa_category, "dsa_ground": str(d.dsa_ground),
            "live": True, "superseded_by": None,
            "strike_id": superseded["strike_id"] if superseded is not None and d.outcome is Outcome.VIOLATING else None,
            "decided_at": event.occurred_at, "decided_by": event.actor, "position": position, "reversed_at": None,
            "reversal_reason": None, "batch_id": text_id(d.batch_id),
        })
        if d.supersedes is not None:
            self.decisions.update((uuid_text(d.supersedes),), live=False, superseded_by=decision_id)
        policy = self._policy(case_id, d.policy_key)
        policy["live_decision_id"], policy["live_outcome"] = decision_id, str(d.outcome)
        self.policies.put(policy)
        self._settle(case_id, event.account_id, event, position)

    def _reversed(self, event: Case.ActionsReversed, position: int, case_id: str) -> None:
        decision_id = uuid_text(event.decision_id)
        self.decisions.update((decision_id,), live=False, reversed_at=event.occurred_at, reversal_reason=event.reason)
        for policy in self._policies_of(case_id):
            if policy["live_decision_id"] == decision_id:
                self.policies.put(policy | {"live_outcome": "REVERSED"})
        self._settle(case_id, None, event, position)

    def _opened(self, event: Case.Opened, position: int, case_id: str) -> None:
        self._open(case_id, event.subject, event.account_id, event, position)
        self._settle(case_id, event.account_id, event, position)

    def _reported(self, event: Case.Reported, position: int, case_id: str) -> None:
        # A reported policy awaits a decision like a detected one.
        self._policy(case_id, event.policy_key)
        self._settle(case_id, None, event, position)

    def _struck(self, event: Account.StrikeIssued, position: int, case_id: None) -> None:
        strike = event.strike
        self.decisions.update((uuid_text(strike.decision_id),), strike_id=uuid_text(strike.strike_id))

    def _open(self, case_id: str, subject: Subject, account_id: str | None, event: Any, position: int) -> bool:
        """Adds the case `event` opens at `position`, OPEN, unless it is open already; whether it added it."""
        if self.cases.get((case_id,)) is not None:
            return False
        at = event.occurred_at
        self.cases.add({
            "case_id": case_id, "domain": subject.domain, "subject_kind": subject.kind, "subject_id": subject.id,
            "account_id": account_id, "status": "OPEN", "opened_at": at, "updated_at": at, "last_position": position,
            "opened_position": position,
        })
        return True

    def _settle(self, case_id: str, account_id: str | None, event: Any, position: int) -> None:
        """Gives the case, if it is open, the status its policies make, as of `event` at `position`."""
        case = self.cases.get((case_id,))
        if case is None:
            return
        status = "CLEARED"
        for policy in self._policies_of(case_id):
            if policy["live_decision_id"] is None:
                status = "OPEN"
                break
            if policy["live_outcome"] == "VIOLATING":
                status = "ACTIONED"
        case["status"], case["updated_at"], case["last_position"] = status, event.occurred_at, position
        if case["account_id"] is None:
            case["account_id"] = account_id
        self.cases.put(case)

    def _policy(self, case_id: str, policy_key: str) -> Row:
        """The case's row for `policy_key`, added with no detections and no decision when it has none."""
        key = (case_id, policy_key)
        if policy_key in self.policy_keys[case_id]:
            policy = self.policies.get(key)
            assert policy is not None
            return policy
        self.policy_keys[case_id].append(policy_key)
        policy = {"case_id": case_id, "policy_key": policy_key, "detections": 0, "live_decision_id": None,
                  "live_outcome": None}
        self.policies.put(policy)
        return policy

    def _policies_of(self, case_id: str) -> list[Row]:
        return [p for k in self.policy_keys[case_id] if (p := self.policies.get((case_id, k))) is not None]


_APPLY: dict[type, Callable[[CaseChanges, Any, int, Any], None]] = {
    Detection.Recorded: CaseChanges._detected,
    Case.Opened: CaseChanges._opened,
    Case.Decided: CaseChanges._decided,
    Case.ActionsReversed: CaseChanges._reversed,
    Case.Reported: CaseChanges._reported,
    Account.StrikeIssued: CaseChanges._struck,
}
"""How `CaseChanges` applies each type of event."""


def _case_of(event: Any) -> str | None:
    """The case an event changes, if any."""
    kind = type(event)
    if kind is Detection.Recorded:
        return case_text_id(event.facts.subject)
    return None if kind is Account.StrikeIssued else uuid_text(event.originator_id)


def _decision_changed_by(event: Any) -> str | None:
    """The stored decision an event may change, if any."""
    kind = type(event)
    if kind is Case.Decided:
        return text_id(event.decision.supersedes)
    if kind is Case.ActionsReversed:
        return uuid_text(event.decision_id)
    if kind is Account.StrikeIssued:
        return uuid_text(event.strike.decision_id)
    return None

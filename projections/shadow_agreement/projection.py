"""Keeps every verdict an automation rule recorded (a detection of source LLM or VLM) and, once a human decides the
case under the rule's policy, that decision's outcome beside it: the pairs shadow agreement is measured on."""

from __future__ import annotations

from typing import Any

from domain.case import Case
from domain.detection import Detection
from domain.values import AutomationLevel, Outcome
from projections.automation_rules.projection import AUTOMATION_ACTOR, automation_record
from projections.base import Projection
from projections.batch import Batch, Key, Row, Table
from projections.sql import Sql
from projections.values import case_text_id, uuid_text

VERDICTS = Table(
    "rule_verdicts",
    key=("rule_id", "detection_id"),
    columns=(
        "rule_id", "detection_id", "domain", "policy_key", "policy_version", "case_id", "subject_kind", "subject_id",
        "account_id", "predicted", "confidence", "failed", "outcome", "capped", "verdict_at", "human", "decision_id",
        "decided_at", "position",
    ),
    times=("verdict_at", "decided_at"),
    flags=("failed",),
)


class ShadowAgreementProjection(Projection):
    name = "shadow_agreement"
    tables = ("rule_verdicts",)
    event_types = (Detection.Recorded, Case.Decided)

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        verdicts = VERDICTS.rows()
        # Each human decision's case and policy, worked out once for the fetch and then the answers; None for the rest.
        decided = [_case_policy(e) if _by_a_human(e) else None for _, e in events]
        by_case: dict[tuple[str, str], list[Key]] = {}
        for row in verdicts.fetch_where(sql, ("case_id", "policy_key"), [d for d in decided if d is not None]):
            by_case.setdefault((row["case_id"], row["policy_key"]), []).append(VERDICTS.key_of(row))
        for (position, event), case_policy in zip(events, decided, strict=True):
            if isinstance(event, Detection.Recorded):
                added = _verdict(event, position)
                if added is not None:
                    verdicts.add(added)
                    by_case.setdefault((added["case_id"], added["policy_key"]), []).append(VERDICTS.key_of(added))
            elif case_policy is not None:
                for key in by_case.get(case_policy, ()):
                    paired = verdicts.get(key)
                    if paired is not None and paired["verdict_at"] <= event.occurred_at:
                        verdicts.put(paired | _answer(event))
        verdicts.write(sql)


def _by_a_human(event: Any) -> bool:
    """A decision a person made (a confirmed recommendation among them): the label a rule's verdict is judged by."""
    return (isinstance(event, Case.Decided) and event.decision.automation is not AutomationLevel.FULLY
            and not event.actor.startswith(AUTOMATION_ACTOR))


def _case_policy(event: Case.Decided) -> tuple[str, str]:
    return uuid_text(event.originator_id), event.decision.policy_key


def _answer(event: Case.Decided) -> Row:
    decision = event.decision
    return {"human": int(decision.outcome is Outcome.VIOLATING), "decision_id": uuid_text(decision.decision_id),
            "decided_at": event.occurred_at}


def _verdict(event: Detection.Recorded, position: int) -> Row | None:
    """A rule's verdict as a row, none answered yet; None for a detection no rule recorded."""
    record = automation_record(event)
    if record is None:
        return None
    facts = event.facts
    verdict = record.get("verdict")
    subject = facts.subject
    return {
        "rule_id": record["rule"], "detection_id": uuid_text(event.originator_id), "domain": subject.domain,
        "policy_key": facts.policy_key, "policy_version": int(record.get("policy_version", 0)),
        "case_id": case_text_id(subject), "subject_kind": subject.kind, "subject_id": subject.id,
        "account_id": facts.account_id,
        "predicted": int(isinstance(verdict, dict) and verdict.get("violation") == 1),
        "confidence": verdict.get("confidence") if isinstance(verdict, dict) else None,
        "failed": not isinstance(verdict, dict), "outcome": str(record.get("outcome", "RECORDED")),
        "capped": record.get("capped"), "verdict_at": event.occurred_at, "human": None, "decision_id": None,
        "decided_at": None, "position": position,
    }

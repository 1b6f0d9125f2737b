"""Keeps each automation rule's settings, mode and latest evaluation, and counts what it has done: the verdicts its
model gave (recorded as detections), its failed classifications, the cases it sent to a human and its decisions."""

from __future__ import annotations

from typing import Any

from domain.automation import AutomationMode, AutomationRule
from domain.case import Case
from domain.detection import Detection
from domain.values import DetectionSource
from projections.automation_rules.rows import RuleFigures, evaluation_json, rule_row, settings_json
from projections.base import Projection, started
from projections.batch import Batch, Row, Table
from projections.sql import Sql

RULES = Table(
    "automation_rules",
    key=("rule_id",),
    columns=(
        "rule_id", "domain", "policy_key", "model", "settings", "policy_version", "mode", "mode_reason",
        "mode_changed_at", "mode_changed_by", "evaluation", "evaluated_at", "verdicts", "violations", "failures",
        "queued", "decided", "configured_at", "configured_by", "position",
    ),
    times=("mode_changed_at", "evaluated_at", "configured_at"),
)

AUTOMATION_ACTOR = "automation:"
"""The actor of a rule's automated decisions: this, then the rule's id."""


class AutomationRulesProjection(Projection):
    name = "automation_rules"
    tables = ("automation_rules",)
    event_types = (
        AutomationRule.Configured, AutomationRule.Reconfigured, AutomationRule.ModeChanged, AutomationRule.Evaluated,
        AutomationRule.Demoted, AutomationRule.Tripped, Detection.Recorded, Case.Decided,
    )

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        rules = RULES.rows()
        rule_ids = [_rule_of(e) for _, e in events]
        rules.fetch(sql, [(rule_id,) for (_, e), rule_id in zip(events, rule_ids, strict=True)
                          if rule_id is not None and not isinstance(e, AutomationRule.Configured)])
        for (position, event), rule_id in zip(events, rule_ids, strict=True):
            if rule_id is None:
                continue
            if isinstance(event, AutomationRule.Configured):
                rules.add(_columns(started(AutomationRule, event), position))
                continue
            row = rules.get((rule_id,))
            if row is not None:
                rules.put(row | _changes(event, row) | {"position": position})
        rules.write(sql)


def _rule_of(event: Any) -> str | None:
    """The rule an event is about, if it is about one."""
    if isinstance(event, AutomationRule.Event):
        return str(event.originator_id)
    if isinstance(event, Detection.Recorded):
        record = automation_record(event)
        return None if record is None else str(record["rule"])
    if isinstance(event, Case.Decided) and event.actor.startswith(AUTOMATION_ACTOR):
        return event.actor.removeprefix(AUTOMATION_ACTOR)
    return None


def automation_record(event: Detection.Recorded) -> dict[str, Any] | None:
    """What a rule recorded with its verdict; None for a detection no rule recorded."""
    facts = event.facts
    record = facts.evidence.get("automation")
    if facts.source not in (DetectionSource.LLM, DetectionSource.VLM) or not isinstance(record, dict):
        return None
    return record if isinstance(record.get("rule"), str) else None


def _changes(event: Any, row: Row) -> Row:
    if isinstance(event, AutomationRule.Reconfigured):
        return {"settings": settings_json(event.settings), "policy_version": event.policy_version}
    if isinstance(event, AutomationRule.ModeChanged):
        return {"mode": str(event.mode), "mode_reason": event.reason, "mode_changed_at": event.occurred_at,
                "mode_changed_by": event.actor}
    if isinstance(event, AutomationRule.Demoted):
        return {"mode": str(AutomationMode.SHADOW), "mode_reason": event.reason, "mode_changed_at": event.occurred_at,
                "mode_changed_by": event.actor}
    if isinstance(event, AutomationRule.Evaluated):
        return {"evaluation": evaluation_json(event.figures), "evaluated_at": event.occurred_at}
    if isinstance(event, Detection.Recorded):
        record = automation_record(event) or {}
        verdict = record.get("verdict")
        return {
            "verdicts": row["verdicts"] + 1,
            "violations": row["violations"] + int(isinstance(verdict, dict) and verdict.get("violation") == 1),
            "failures": row["failures"] + int("failed" in record),
            "queued": row["queued"] + int(record.get("outcome") == "QUEUED"),
        }
    return {"decided": row["decided"] + 1}  # Case.Decided by the rule


def _columns(rule: AutomationRule, position: int) -> Row:
    row = rule_row(rule, position, RuleFigures())
    figures = row.figures
    assert figures is not None
    return {
        "rule_id": row.rule_id, "domain": row.domain, "policy_key": row.policy_key, "model": row.model,
        "settings": settings_json(row.settings), "policy_version": row.policy_version, "mode": row.mode,
        "mode_reason": row.mode_reason, "mode_changed_at": row.mode_changed_at, "mode_changed_by": row.mode_changed_by,
        "evaluation": evaluation_json(row.evaluation), "evaluated_at": row.evaluated_at,
        "verdicts": figures.verdicts, "violations": figures.violations, "failures": figures.failures,
        "queued": figures.queued, "decided": figures.decided, "configured_at": row.configured_at,
        "configured_by": row.configured_by, "position": position,
    }

"""Counts, per automation rule, the automated decisions drawn for QA, the judgments people made of them (a QA
reviewer's decision, an overturned appeal), the window's rolling precision, its provider's failures, and whether its
circuit breaker has tripped since it was last put in a mode."""

from __future__ import annotations

import json
from typing import Any

from domain.automation import AutomationRule
from domain.breaker import JudgmentKind, QaSample, RuleMonitor
from projections.base import Projection
from projections.batch import Batch, Row, Table
from projections.sql import Sql

QUALITY = Table(
    "automation_quality",
    key=("rule_id",),
    columns=(
        "rule_id", "qa_sampled", "qa_judged", "qa_disagreed", "overturned", "window_judged", "window_agreed",
        "provider_failures", "breaker", "tripped_at", "trip_reason", "trip_figures", "position",
    ),
    times=("tripped_at",),
)
CLOSED, TRIPPED = "CLOSED", "TRIPPED"


def fresh(rule_id: str) -> Row:
    return {
        "rule_id": rule_id, "qa_sampled": 0, "qa_judged": 0, "qa_disagreed": 0, "overturned": 0, "window_judged": 0,
        "window_agreed": 0, "provider_failures": 0, "breaker": CLOSED, "tripped_at": None, "trip_reason": None,
        "trip_figures": None, "position": 0,
    }


class AutomationQualityProjection(Projection):
    name = "automation_quality"
    tables = ("automation_quality",)
    event_types = (
        QaSample.Drawn, RuleMonitor.Judged, RuleMonitor.ProviderFailed, AutomationRule.ModeChanged,
        AutomationRule.Tripped,
    )

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        rows = QUALITY.rows()
        rows.fetch(sql, [(_rule_of(e),) for _, e in events])
        for position, event in events:
            rule_id = _rule_of(event)
            row = rows.get((rule_id,)) or fresh(rule_id)
            rows.put(row | _changes(event, row) | {"position": position})
        rows.write(sql)


def _rule_of(event: Any) -> str:
    if isinstance(event, AutomationRule.Event):
        return str(event.originator_id)
    return str(event.rule_id)


def _changes(event: Any, row: Row) -> Row:
    if isinstance(event, QaSample.Drawn):
        return {"qa_sampled": row["qa_sampled"] + 1}
    if isinstance(event, RuleMonitor.Judged):
        qa = JudgmentKind(event.kind) is JudgmentKind.QA
        return {
            "qa_judged": row["qa_judged"] + qa, "qa_disagreed": row["qa_disagreed"] + (qa and not event.agreed),
            "overturned": row["overturned"] + (not qa), "window_judged": event.judged,
            "window_agreed": event.agreed_in_window,
        }
    if isinstance(event, RuleMonitor.ProviderFailed):
        return {"provider_failures": row["provider_failures"] + event.count}
    if isinstance(event, AutomationRule.Tripped):
        return {"breaker": TRIPPED, "tripped_at": event.occurred_at, "trip_reason": event.reason,
                "trip_figures": json.dumps(event.figures)}
    # A person put the rule in a mode: the breaker closes, and the window measures afresh from here.
    return {"breaker": CLOSED, "window_judged": 0, "window_agreed": 0}

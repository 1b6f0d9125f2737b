"""Reads of the automation quality read model."""

from __future__ import annotations

from projections.automation_quality.rows import QualityRow, figures_from
from projections.sql import Sql
from projections.values import maybe_utc


def rule_quality(sql: Sql) -> dict[str, QualityRow]:
    """Every rule's quality figures that has any, by rule id (a rule without a row has none yet)."""
    sql.execute(
        "SELECT rule_id, qa_sampled, qa_judged, qa_disagreed, overturned, window_judged, window_agreed, "
        "provider_failures, breaker, tripped_at, trip_reason, trip_figures FROM automation_quality"
    )
    return {
        r[0]: QualityRow(
            rule_id=r[0], qa_sampled=r[1], qa_judged=r[2], qa_disagreed=r[3], overturned=r[4], window_judged=r[5],
            window_agreed=r[6], provider_failures=r[7], breaker=r[8], tripped_at=maybe_utc(r[9]), trip_reason=r[10],
            trip_figures=figures_from(r[11]),
        )
        for r in sql.fetchall()
    }

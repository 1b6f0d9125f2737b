"""A period's transparency report, added up in SQL from the facts the read model holds, the same on SQLite and
PostgreSQL: counts by conditional sums, medians by ranking rows within their group (window functions both engines
have), so that nothing is read row by row.

Every figure takes only facts timed before the period's end: events recorded later cannot change a closed period.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.sql import Sql, in_clause
from projections.transparency.rows import (
    AutomationUse,
    Complaints,
    Decisions,
    Notices,
    Period,
    Restrictions,
    RuleAccuracy,
    SuspensionBasis,
    Suspensions,
    TransparencyReport,
)
from projections.values import utc


def transparency_report(sql: Sql, period: Period) -> TransparencyReport:
    """The figures of `period`, as they stood at its end."""
    return TransparencyReport(
        period=period,
        restrictions=_restrictions(sql, period),
        decisions=_decisions(sql, period),
        notices=_notices(sql, period, ("category", "reporter_kind")) + _notices(sql, period, ("reporter_kind",)),
        complaints=_complaints(sql, period, ("category",)) + _complaints(sql, period, ()),
        automation=_automation(sql, period),
        rules=_rules(sql, period),
        suspensions=_suspensions(sql, period),
    )


def _in(settled: str) -> str:
    """1 when the `settled` time falls in the period, else 0 (its parameters: the period's start and end)."""
    return f"CASE WHEN {settled} >= ? AND {settled} < ? THEN 1 ELSE 0 END"


def _restrictions(sql: Sql, period: Period) -> list[Restrictions]:
    within, domains = in_clause("d.domain", period.domains)
    sql.execute(
        "SELECT d.source_type, d.category, r.restriction, d.automated_detection, count(*) "
        "FROM transparency_decisions d JOIN transparency_restrictions r ON r.decision_id = d.decision_id "
        f"WHERE d.decided_at >= ? AND d.decided_at < ?{within} "
        "GROUP BY d.source_type, d.category, r.restriction, d.automated_detection "
        "ORDER BY d.source_type, d.category, r.restriction, d.automated_detection",
        (period.start, period.end, *domains),
    )
    return [Restrictions(r[0], r[1], r[2], bool(r[3]), int(r[4])) for r in sql.fetchall()]


def _decisions(sql: Sql, period: Period) -> list[Decisions]:
    within, domains = in_clause("domain", period.domains)
    sql.execute(
        "SELECT source_type, category, automated_detection, automation, count(*) FROM transparency_decisions "
        f"WHERE decided_at >= ? AND decided_at < ?{within} "
        "GROUP BY source_type, category, automated_detection, automation "
        "ORDER BY source_type, category, automated_detection, automation",
        (period.start, period.end, *domains),
    )
    return [Decisions(r[0], r[1], bool(r[2]), r[3], int(r[4])) for r in sql.fetchall()]


def _notices(sql: Sql, period: Period, groups: tuple[str, ...]) -> list[Notices]:
    """Notices by `groups` (reporter_kind, and category or not)."""
    counted, medians = _settled(sql, period, "transparency_notices", ("submitted_at", "closed_at"),
                                ("VIOLATING", "NOT_VIOLATING"), "seconds_to_close", "VIOLATING", groups)
    by_category = "category" in groups
    return [
        Notices(
            category=r[0] if by_category else None, reporter_kind=r[len(groups) - 1], received=int(r[-4]),
            actioned=int(r[-3]), not_actioned=int(r[-2]), open_at_end=int(r[-1]),
            median_seconds_to_action=medians.get(tuple(r[:len(groups)])),
        )
        for r in counted
    ]


def _complaints(sql: Sql, period: Period, groups: tuple[str, ...]) -> list[Complaints]:
    """Complaints by category, or over every category (no `groups`)."""
    counted, medians = _settled(sql, period, "transparency_appeals", ("filed_at", "resolved_at"),
                                ("UPHELD", "OVERTURNED"), "seconds_to_resolve", None, groups)
    return [
        Complaints(
            category=r[0] if groups else None, filed=int(r[-4]), decided=int(r[-3]) + int(r[-2]), upheld=int(r[-3]),
            overturned=int(r[-2]), pending_at_end=int(r[-1]),
            median_seconds_to_decide=medians.get(tuple(r[:len(groups)])),
        )
        for r in counted
    ]


def _settled(
    sql: Sql, period: Period, table: str, times: tuple[str, str], outcomes: Sequence[str], took: str,
    timed: str | None, groups: tuple[str, ...],
) -> tuple[list[tuple[Any, ...]], dict[tuple[Any, ...], float]]:
    """What came and was settled in the period, of a table of things that come (the first of `times`) and are settled
    with an outcome (the second): per `groups` (all together when none), those that came, those settled with each of
    `outcomes`, and those still open at the period's end; and the median of `took` over those settled in the period
    (with the outcome `timed`, or any)."""
    came, settled = times
    within, domains = in_clause("domain", period.domains)
    start, end = period.start, period.end
    grouped = "".join(f"{g}, " for g in groups)
    by_outcome = "".join(f"sum(CASE WHEN outcome = '{o}' THEN {_in(settled)} ELSE 0 END), " for o in outcomes)
    sql.execute(
        f"SELECT {grouped}count(*), sum({_in(came)}), {by_outcome}"
        f"sum(CASE WHEN {settled} IS NULL OR {settled} >= ? THEN 1 ELSE 0 END) FROM {table} "
        f"WHERE {came} < ? AND ({settled} IS NULL OR {settled} >= ?){within}"
        + (f" GROUP BY {grouped[:-2]} ORDER BY {grouped[:-2]}" if groups else ""),
        (start, end, *(start, end) * len(outcomes), end, end, start, *domains),
    )
    counted = [r for r in sql.fetchall() if int(r[len(groups)])]  # without groups, one row even of none
    only = "" if timed is None else f" AND outcome = '{timed}'"
    medians = _medians(sql, table, took, groups, f"{settled} >= ? AND {settled} < ?{only}{within}",
                       (start, end, *domains))
    return counted, medians


def _automation(sql: Sql, period: Period) -> list[AutomationUse]:
    """Decisions by automation level, with how the complaints resolved in the period against such decisions ended."""
    within, domains = in_clause("domain", period.domains)
    start, end = period.start, period.end
    sql.execute(
        "SELECT automation, sum(decisions), sum(decided), sum(overturned) FROM ("
        "SELECT automation, 1 AS decisions, 0 AS decided, 0 AS overturned FROM transparency_decisions "
        f"WHERE decided_at >= ? AND decided_at < ?{within} "
        "UNION ALL SELECT automation, 0, 1, CASE WHEN outcome = 'OVERTURNED' THEN 1 ELSE 0 END "
        f"FROM transparency_appeals WHERE resolved_at >= ? AND resolved_at < ?{within}"
        ") facts GROUP BY automation ORDER BY automation",
        (start, end, *domains, start, end, *domains),
    )
    return [AutomationUse(r[0], int(r[1]), int(r[2]), int(r[3])) for r in sql.fetchall()]


def _rules(sql: Sql, period: Period) -> list[RuleAccuracy]:
    """Each rule's latest evaluation recorded before the period's end."""
    within, domains = in_clause("r.domain", period.domains)
    sql.execute(
        "SELECT r.rule_id, r.domain, r.policy_key, r.model, e.evaluated_at, e.samples, e.precision_rate, "
        "e.recall_rate, e.kappa FROM transparency_rules r JOIN transparency_evaluations e ON e.rule_id = r.rule_id "
        "WHERE e.position = (SELECT max(l.position) FROM transparency_evaluations l "
        f"WHERE l.rule_id = r.rule_id AND l.evaluated_at < ?){within} "
        "ORDER BY r.domain, r.policy_key, r.model",
        (period.end, *domains),
    )
    return [
        RuleAccuracy(r[0], r[1], r[2], r[3], utc(r[4]), int(r[5]), float(r[6]), float(r[7]), float(r[8]))
        for r in sql.fetchall()
    ]


def _suspensions(sql: Sql, period: Period) -> list[Suspensions]:
    """Suspensions imposed in the period; a reporter's belongs to no domain, so only a report of every domain
    counts it."""
    within, domains = in_clause("domain", period.domains)
    sql.execute(
        "SELECT basis, kind, count(*) FROM transparency_suspensions "
        f"WHERE suspended_at >= ? AND suspended_at < ?{within} GROUP BY basis, kind ORDER BY basis, kind",
        (period.start, period.end, *domains),
    )
    return [Suspensions(SuspensionBasis(r[0]), r[1], int(r[2])) for r in sql.fetchall()]


def _medians(
    sql: Sql, table: str, seconds: str, groups: Sequence[str], where: str, params: Sequence[Any]
) -> dict[tuple[Any, ...], float]:
    """The median of `seconds` over the rows `where` selects, per `groups` (every row together when none): the mean
    of the middle one or two rows of each group in order."""
    columns = ", ".join(groups)
    partition = f"PARTITION BY {columns} " if groups else ""
    sql.execute(
        f"SELECT {columns + ', ' if groups else ''}avg({seconds}) FROM ("
        f"SELECT {columns + ', ' if groups else ''}{seconds}, "
        f"row_number() OVER ({partition}ORDER BY {seconds}) AS n, count(*) OVER ({partition.strip()}) AS total "
        f"FROM {table} WHERE {where}) ranked "
        "WHERE n = (total + 1) / 2 OR n = (total + 2) / 2"
        + (f" GROUP BY {columns}" if groups else ""),
        params,
    )
    return {tuple(r[:-1]): float(r[-1]) for r in sql.fetchall() if r[-1] is not None}

"""Reads of the automation rules: a domain's or a policy's, or one."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from projections.automation_rules.rows import AutomationRuleRow, RuleFigures, evaluation_from, settings_from
from projections.sql import Sql
from projections.values import maybe_utc, utc

_COLUMNS = """rule_id, domain, policy_key, model, settings, policy_version, mode, mode_reason, mode_changed_at,
mode_changed_by, evaluation, evaluated_at, verdicts, violations, failures, queued, decided, configured_at,
configured_by, position"""


def list_rules(sql: Sql, policy_key: str | None, domains: Collection[str] | None) -> list[AutomationRuleRow]:
    """The rules, of one policy key or all, within `domains` (None: every domain), by domain, policy and model."""
    if policy_key is None:
        sql.execute(f"SELECT {_COLUMNS} FROM automation_rules ORDER BY domain, policy_key, model")
    else:
        sql.execute(
            f"SELECT {_COLUMNS} FROM automation_rules WHERE policy_key = ? ORDER BY domain, model", (policy_key,)
        )
    return [_row(r) for r in sql.fetchall() if domains is None or r[1] in domains]


def _row(r: tuple[Any, ...]) -> AutomationRuleRow:
    return AutomationRuleRow(
        rule_id=r[0], domain=r[1], policy_key=r[2], model=r[3], settings=settings_from(r[4]), policy_version=r[5],
        mode=r[6], mode_reason=r[7], mode_changed_at=utc(r[8]), mode_changed_by=r[9], evaluation=evaluation_from(r[10]),
        evaluated_at=maybe_utc(r[11]), figures=RuleFigures(r[12], r[13], r[14], r[15], r[16]),
        configured_at=utc(r[17]), configured_by=r[18], position=r[19],
    )

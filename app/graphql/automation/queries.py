"""automationRules: every rule's mode, evidence and live figures."""

from __future__ import annotations

from collections.abc import Collection

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.automation.types import AutomationRule
from app.graphql.core.context import Info
from app.graphql.core.reading import consistent
from app.read.store import ReadStore, reading
from projections.automation_quality.queries import rule_quality
from projections.automation_rules.queries import list_rules


@strawberry.type
class AutomationQuery:
    @strawberry.field(description="The automation rules, of one policy key or all: mode, evidence, live figures.")
    async def automation_rules(
        self, info: Info, policy: str | None = None, min_position: str | None = None
    ) -> list[AutomationRule]:
        runtime = await consistent(info, min_position, list_rules, rule_quality)
        return await run_in_threadpool(_rules, runtime.store, policy, info.context.principal.scope)


def _rules(store: ReadStore, policy: str | None, scope: Collection[str] | None) -> list[AutomationRule]:
    with reading(store, list_rules, rule_quality) as sql:
        rows = list_rules(sql, policy, scope)
        quality = rule_quality(sql)
    return [AutomationRule.of_row(row, quality.get(row.rule_id)) for row in rows]

"""automationRules: every rule's mode, evidence and live figures."""

from __future__ import annotations

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.automation.types import AutomationRule
from app.graphql.core.context import Info
from app.graphql.core.reading import consistent
from app.read.store import read
from projections.automation_rules.queries import list_rules


@strawberry.type
class AutomationQuery:
    @strawberry.field(description="The automation rules, of one policy key or all: mode, evidence, live figures.")
    async def automation_rules(
        self, info: Info, policy: str | None = None, min_position: str | None = None
    ) -> list[AutomationRule]:
        runtime = await consistent(info, min_position, list_rules)
        rows = await run_in_threadpool(read, runtime.store, list_rules, policy, info.context.principal.scope)
        return [AutomationRule.of_row(row) for row in rows]

"""automationRules: every rule's mode, evidence (its evaluation and shadow agreement) and live figures."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.automation.impact import AutomationImpact, automation_impact
from app.graphql.automation.types import AutomationRule, ShadowAgreement
from app.graphql.core.context import Info
from app.graphql.core.reading import consistent
from app.read.store import ReadStore, reading
from projections.automation_quality.queries import rule_quality
from projections.automation_quality.rows import QualityRow
from projections.automation_rules.queries import list_rules
from projections.automation_rules.rows import AutomationRuleRow
from projections.shadow_agreement.queries import agreements


@strawberry.type
class AutomationQuery:
    automation_impact: AutomationImpact | None = strawberry.field(
        resolver=automation_impact,
        description="A rule's blast radius before launch: its verdicts of [from, to) (at most 366 days) replayed as "
        "AUTO through its caps and the domain's ladder, split by what the humans who decided the same cases did; "
        "null for a rule that does not exist or that the caller does not see.",
    )

    @strawberry.field(description="The automation rules, of one policy key or all: mode, evidence, live figures.")
    async def automation_rules(
        self, info: Info, policy: str | None = None, min_position: str | None = None
    ) -> list[AutomationRule]:
        runtime = await consistent(info, min_position, list_rules, rule_quality, agreements)
        rows, quality = await run_in_threadpool(_rules, runtime.store, policy, info.context.principal.scope)
        measured = await runtime.store.reader.fetch(agreements, [row.rule_id for row in rows])
        return [
            replace(AutomationRule.of_row(row, quality.get(row.rule_id)),
                    shadow_agreement=[ShadowAgreement.of(f) for f in measured.get(row.rule_id, [])])
            for row in rows
        ]


def _rules(
    store: ReadStore, policy: str | None, scope: Collection[str] | None
) -> tuple[list[AutomationRuleRow], dict[str, QualityRow]]:
    """The rules and their quality figures, read together."""
    with reading(store, list_rules, rule_quality) as sql:
        return list_rules(sql, policy, scope), rule_quality(sql)

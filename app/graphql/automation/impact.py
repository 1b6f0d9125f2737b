"""automationImpact: a rule's blast radius, its shadow verdicts of a period replayed as AUTO through the ladder."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.core.context import Info
from app.graphql.core.errors import bad_input, parse_id
from app.graphql.core.reading import consistent
from app.graphql.core.times import valid_time
from domain import automation_impact as impact
from domain.automation import AutomationRule
from domain.errors import NotFoundError
from domain.levels import StandingLevel
from domain.model_verdict import FailedClassification, ModelVerdict
from domain.policy import Policy
from domain.values import ActionType
from projections.account_standing.queries import records_before
from projections.shadow_agreement.queries import RuleVerdictRow, verdicts_between

MAX_PERIOD = timedelta(days=366)


@strawberry.type(description="A count split by what the humans who later decided the same cases did.")
class ImpactSplit:
    total: int
    agreed: int = strawberry.field(description="A human decided the case violating.")
    disagreed: int = strawberry.field(description="A human decided the case not violating.")
    unreviewed: int = strawberry.field(description="No human has decided the case since the verdict.")

    @classmethod
    def of(cls, split: impact.Split) -> ImpactSplit:
        return cls(total=split.total, agreed=split.agreed, disagreed=split.disagreed, unreviewed=split.unreviewed)


@strawberry.type
class ActionImpact:
    action: ActionType
    decisions: ImpactSplit


@strawberry.type
class StandingImpact:
    level: StandingLevel
    accounts: ImpactSplit = strawberry.field(
        description="Accounts AUTO would have brought to this level (the highest each reached above where it began)."
    )


@strawberry.type(description="What a rule would have done in AUTO with its verdicts of a period: decisions, actions, "
                 "strikes and the standing changes they cause, through its caps and the domain's ladder, starting "
                 "from each account's strikes when the period began; each split by human agreement.")
class AutomationImpact:
    rule: strawberry.ID
    from_: datetime = strawberry.field(name="from")
    to: datetime
    policy_version: int = strawberry.field(description="The policy version now published, whose terms are replayed.")
    verdicts: int
    violations: int
    decisions: ImpactSplit
    queued: ImpactSplit = strawberry.field(
        description="Violations and failed classifications AUTO would have sent to a human."
    )
    capped: ImpactSplit = strawberry.field(description="Of those queued, the ones a cap sent to a human.")
    actions: list[ActionImpact]
    strikes: ImpactSplit
    strike_points: int
    standing: list[StandingImpact]


async def automation_impact(
    info: Info,
    rule: strawberry.ID,
    from_: Annotated[datetime, strawberry.argument(name="from")],
    to: datetime,
    min_position: str | None = None,
) -> AutomationImpact | None:
    """The rule's blast radius over [from, to), at most 366 days; null for a rule that does not exist or that the
    caller does not see."""
    rule_id = parse_id(rule, "rule")
    if not isinstance(rule_id, UUID):
        raise bad_input(rule_id.message, "rule")
    start, end = valid_time(from_, "from"), valid_time(to, "to")
    if not start < end <= start + MAX_PERIOD:
        raise bad_input("to must be after from, by at most 366 days", "to")
    runtime = await consistent(info, min_position, verdicts_between, records_before)
    found = await run_in_threadpool(_rule_and_policy, info, rule_id)
    if found is None:
        return None
    automation, policy = found
    rows = await runtime.store.reader.fetch(verdicts_between, str(rule_id), start, end)
    accounts = sorted({r.account_id for r in rows if r.account_id is not None})
    records = await runtime.store.reader.fetch(records_before, accounts, automation.domain, start)
    ladder = runtime.ledger.ladders(automation.domain)
    verdicts = [_verdict(r, policy.key) for r in rows]
    replayed = await run_in_threadpool(impact.replay_impact, automation.settings, policy, ladder, verdicts, records)
    return AutomationImpact(
        rule=rule, from_=start, to=end, policy_version=policy.policy_version, verdicts=replayed.verdicts,
        violations=replayed.violations, decisions=ImpactSplit.of(replayed.decisions),
        queued=ImpactSplit.of(replayed.queued), capped=ImpactSplit.of(replayed.capped),
        actions=[ActionImpact(action=a, decisions=ImpactSplit.of(s)) for a, s in sorted(replayed.actions.items())],
        strikes=ImpactSplit.of(replayed.strikes), strike_points=replayed.strike_points,
        standing=[StandingImpact(level=level, accounts=ImpactSplit.of(replayed.standing[level]))
                  for level in StandingLevel if level in replayed.standing],
    )


def _rule_and_policy(info: Info, rule_id: UUID) -> tuple[AutomationRule, Policy] | None:
    ledger = info.context.runtime.ledger
    try:
        rule = ledger.automation.get_rule(rule_id)
    except NotFoundError:
        return None
    if not info.context.principal.sees(rule.domain):
        return None
    return rule, ledger.get_policy(rule.domain, rule.policy_key)


def _verdict(row: RuleVerdictRow, policy_key: str) -> impact.ShadowVerdict:
    classification: ModelVerdict | FailedClassification = (
        FailedClassification("the classification failed") if row.failed
        else ModelVerdict(row.violation, policy_key, (), row.confidence or 0.0, "")
    )
    return impact.ShadowVerdict(
        key=row.detection_id, case_id=UUID(row.case_id), account_id=row.account_id, classification=classification,
        at=row.verdict_at, human_violating=row.human,
    )

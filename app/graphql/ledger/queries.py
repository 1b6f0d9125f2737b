"""Queries of the ledger's read models: accounts, cases, decisions, appeals and policies."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.graphql.core.context import Info
from app.graphql.core.cursors import bad_cursor, decode_cursor, encode_cursor
from app.graphql.core.errors import bad_input
from app.graphql.core.inputs import SubjectInput
from app.graphql.core.reading import (
    DEFAULT_PAGE,
    check_page,
    consistent,
    parse_position,
)
from app.graphql.core.selection import Selected
from app.graphql.core.times import valid_time
from app.graphql.core.values import PageInfo
from app.graphql.ledger.as_of import case_as_of_steps, moment
from app.graphql.ledger.types import (
    ActionConfirmation,
    ActionConfirmationConnection,
    ActionConfirmationEdge,
    Appeal,
    AppealConnection,
    AppealEdge,
    Decision,
    Policy,
)
from app.graphql.ledger.views import (
    Account,
    Case,
    CaseConnection,
    CaseFilter,
    case_now,
    case_page,
    case_reads,
)
from domain.appeal import AppealStatus
from domain.errors import ValidationError
from domain.standing import Strike as DomainStrike
from domain.standing import next_change
from projections.account_standing.queries import find_account, find_strikes
from projections.action_confirmations.queries import OverdueKey, overdue_confirmations
from projections.action_confirmations.rows import ConfirmationRow
from projections.appeals.queries import appeal_queue, find_appeal
from projections.case_status.queries import (
    account_domains,
    find_decision,
)
from projections.case_status.rows import DecisionRow
from projections.policy_catalog.queries import list_policies
from projections.sql import Steps, query_of


@strawberry.type
class LedgerQuery:
    @strawberry.field(description="An account's standing and strikes, now or as of a past moment.")
    async def account(
        self, info: Info, id: str, as_of: datetime | None = None, min_position: str | None = None
    ) -> Account | None:
        runtime = await consistent(info, min_position)
        reads = info.context.reads
        await reads.positions()  # before the clock: rows stored later move a position, whatever their times
        at = await moment(runtime, as_of)
        scope = info.context.principal.scope
        if scope is not None:
            domains = await reads.fetch(account_domains, id)
            if not domains.intersection(scope):
                return None
        row = await reads.fetch(find_account, id, at, runtime.ledger.ladders, scope)
        if row is None:
            return None
        # As of a past moment the account changes only with its rows; now, also when the clock passes a strike's
        # expiry or another of its moments.
        until = None if as_of is not None else next_change(row.strikes, row.penalties, at)
        reads.declare(str(info.path.key), [find_account] if scope is None else [find_account, account_domains], until)
        return Account.of_row(row, at, scope)

    @strawberry.field(description="One appeal by id.")
    async def appeal(self, info: Info, id: strawberry.ID, min_position: str | None = None) -> Appeal | None:
        runtime = await consistent(info, min_position, find_appeal)
        row = await runtime.store.reader.fetch(find_appeal, str(id))
        return None if row is None or not info.context.principal.sees(row.subject.domain) else Appeal.of_row(row)

    @strawberry.field(description="The appeal queue: appeals of a status (pending by default), oldest first.")
    async def appeals(
        self,
        info: Info,
        status: AppealStatus = AppealStatus.PENDING,
        domain: str | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        min_position: str | None = None,
    ) -> AppealConnection:
        runtime = await consistent(info, min_position, appeal_queue)
        start = parse_position(after, "after") or 0
        check_page(first)
        domains = info.context.principal.within(domain)
        rows = await runtime.store.reader.fetch(appeal_queue, str(status), domains, start, first + 1)
        edges = [AppealEdge(cursor=str(r.filed_position), node=Appeal.of_row(r)) for r in rows[:first]]
        return AppealConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else after),
        )

    @strawberry.field(
        description="Everything recorded about one subject; with asOf, only what was recorded by that moment, "
        "and decisions as they stood then."
    )
    async def case(
        self, info: Info, subject: SubjectInput, as_of: datetime | None = None, min_position: str | None = None
    ) -> Case | None:
        # Now, it waits only for the read models the fields selected read; as of a past moment, for every one.
        selected = Selected.of(info) if as_of is None else None
        runtime = await consistent(info, min_position, *(() if selected is None else case_reads(selected)))
        try:
            key = subject.to_domain().validate()
        except ValidationError as error:
            raise bad_input(error.message, "subject") from None
        if not info.context.principal.sees(key.domain):
            return None
        if selected is not None:
            # An answer asked with minPosition is not kept: its position names a write the client just made, so the
            # same request seldom comes again, and keeping would cost every one a look at the read models' positions.
            return await case_now(info, key, selected, keep=min_position is None)
        return await runtime.store.reader.fetch(case_as_of_steps, key, await moment(runtime, as_of))

    @strawberry.field(description="Cases that match a filter, in the order they were opened.")
    async def cases(
        self,
        info: Info,
        filter: CaseFilter | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        min_position: str | None = None,
    ) -> CaseConnection:
        await consistent(info, min_position)
        return await case_page(info, (filter or CaseFilter()).to_query(), first, after)

    @strawberry.field(description="One decision by id.")
    async def decision(self, info: Info, id: strawberry.ID, min_position: str | None = None) -> Decision | None:
        runtime = await consistent(info, min_position, find_decision, find_strikes)
        found = await runtime.store.reader.fetch(decision_with_strike, str(id))
        if found is None or not info.context.principal.sees(found[0].subject.domain):
            return None
        return Decision.of_row(*found)

    @strawberry.field(
        description="Actions whose confirmation by a system is overdue (applied, or undone after a reversal), longest "
        "overdue first; with olderThan, only those that fell due before it."
    )
    async def unconfirmed_actions(
        self,
        info: Info,
        domain: str | None = None,
        older_than: datetime | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        min_position: str | None = None,
    ) -> ActionConfirmationConnection:
        runtime = await consistent(info, min_position, overdue_confirmations)
        check_page(first)
        now = runtime.ledger.clock()
        due_by = now if older_than is None else min(now, valid_time(older_than, "olderThan"))
        start = None if after is None else _overdue_key(after)
        domains = info.context.principal.within(domain)
        rows = await runtime.store.reader.fetch(overdue_confirmations, domains, due_by, start, first + 1)
        edges = [
            ActionConfirmationEdge(cursor=_overdue_cursor(r), node=ActionConfirmation.of_row(r, now))
            for r in rows[:first]
        ]
        return ActionConfirmationConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else after),
        )

    @strawberry.field(description="The current version of every policy, or of one domain's.")
    async def policies(self, info: Info, domain: str | None = None, min_position: str | None = None) -> list[Policy]:
        runtime = await consistent(info, min_position, list_policies)
        rows = await runtime.store.reader.fetch(list_policies, domain)
        return [Policy.of_row(r) for r in rows if info.context.principal.sees(r.domain)]



@query_of(find_decision, find_strikes)
def decision_with_strike(decision_id: str) -> Steps[tuple[DecisionRow, DomainStrike | None] | None]:
    """A decision and the strike it counts, as they stand now."""
    row = yield from find_decision.steps(decision_id)
    if row is None:
        return None
    strikes = yield from find_strikes.steps([row.strike_id] if row.strike_id else [])
    return row, strikes.get(row.strike_id or "")


_OVERDUE_TAG = "uc1"


def _overdue_cursor(row: ConfirmationRow) -> str:
    o = row.obligation
    assert o.due_at is not None, "only what is due is listed"
    return encode_cursor(_OVERDUE_TAG, [o.due_at.isoformat(), str(o.decision_id), str(o.action), o.system])


def _overdue_key(cursor: str) -> OverdueKey:
    due_at, decision_id, action, system = decode_cursor(_OVERDUE_TAG, cursor, 4)
    try:
        due = datetime.fromisoformat(due_at)
    except (TypeError, ValueError):
        raise bad_cursor() from None
    if due.tzinfo is None or not all(isinstance(v, str) for v in (decision_id, action, system)):
        raise bad_cursor()
    return (due, decision_id, action, system)

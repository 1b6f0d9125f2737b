"""The queries: read models for accounts, cases and policies; the ledger itself for events."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import strawberry
from starlette.concurrency import run_in_threadpool

from app.graphql.auditor import (
    event_query,
    filtered_events,
    ledger_began,
    load_case_as_of,
    parse_queue_cursor,
    queue_cursor,
    valid_subject,
)
from app.graphql.context import Info
from app.graphql.errors import bad_input, not_yet_consistent
from app.graphql.inputs import EventFilter, SubjectInput
from app.graphql.integrity import integrity as read_integrity
from app.graphql.types import (
    Account,
    Appeal,
    AppealConnection,
    AppealEdge,
    AuditEntry,
    AuditEntryEdge,
    AuditTrailConnection,
    Case,
    Decision,
    HealthReport,
    LedgerCheckpoint,
    LedgerEvent,
    LedgerEventConnection,
    LedgerEventEdge,
    LedgerIntegrity,
    PageInfo,
    Policy,
    ProjectionHealth,
    ReviewQueueConnection,
    ReviewQueueEdge,
    ReviewQueueEntry,
)
from app.read.store import read
from app.runtime.health import health as read_health
from app.runtime.wiring import Runtime
from app.write.ledger import StoredEvent
from domain.appeal import AppealStatus
from domain.errors import ValidationError
from projections.account_standing.queries import find_account, find_strikes
from projections.appeals.queries import account_appeals, appeal_queue, find_appeal
from projections.appeals.rows import AppealRow
from projections.audit_trail.queries import account_trail, subject_trail
from projections.audit_trail.rows import EventQuery
from projections.case_status.queries import (
    account_domains,
    case_decisions,
    case_detections,
    find_case,
    find_decision,
)
from projections.policy_catalog.queries import list_policies
from projections.review_queue.queries import review_queue as queue_page

MAX_PAGE = 500
DEFAULT_PAGE = 50
MAX_POSITION = 2**63 - 1
"""The largest position either engine can store (a signed 64-bit integer)."""


def parse_position(value: str | None, argument: str) -> int | None:
    """A position or cursor string as a ledger position."""
    if value is None:
        return None
    # ASCII only: str.isdigit() also accepts digits such as "²" that int() refuses.
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or int(value) > MAX_POSITION:
        raise bad_input(f"{argument} must be a ledger position: a string of decimal digits", argument)
    return int(value)


async def consistent(info: Info, min_position: str | None) -> Runtime:
    """The runtime, once the read models have reached `min_position` (bounded wait)."""
    runtime = info.context.runtime
    position = parse_position(min_position, "minPosition")
    if position is not None:
        timeout = runtime.settings.consistency_timeout
        if not await run_in_threadpool(runtime.projector.wait_for, position, timeout):
            raise not_yet_consistent(position, timeout)
    return runtime


def check_page(first: int) -> None:
    if not 1 <= first <= MAX_PAGE:
        raise bad_input(f"first must be between 1 and {MAX_PAGE}", "first")


def moment(runtime: Runtime, as_of: datetime | None) -> datetime:
    now = runtime.ledger.clock()
    if as_of is None:
        return now
    if as_of.tzinfo is None:
        raise bad_input("asOf must carry a time zone", "asOf")
    if as_of > now:
        raise bad_input("asOf must not be in the future", "asOf")
    began = ledger_began(runtime.ledger)
    if began is None or as_of < began:
        since = "" if began is None else f" ({began.isoformat()})"
        raise bad_input(f"asOf must not be before the ledger's first event{since}", "asOf")
    return as_of


def event_filter(value: EventFilter | None, scope: tuple[str, ...] | None) -> EventQuery | None:
    """The filter as an index query, narrowed to the caller's domains."""
    query = None if value is None else event_query(
        value.domains, value.event_types, value.account_id, None if value.subject is None else value.subject.to_domain(),
        value.actor, value.from_, value.to,
    )
    if scope is None:
        return query
    query = query or EventQuery()
    return replace(query, domains=scope if query.domains is None else tuple(d for d in query.domains if d in scope))


@strawberry.type
class Query:
    @strawberry.field(description="An account's standing and strikes, now or as of a past moment.")
    async def account(
        self, info: Info, id: str, as_of: datetime | None = None, min_position: str | None = None
    ) -> Account | None:
        runtime = await consistent(info, min_position)
        at = await run_in_threadpool(moment, runtime, as_of)
        return await run_in_threadpool(_load_account, runtime, id, at, info.context.principal.scope)

    @strawberry.field(description="One appeal by id.")
    async def appeal(self, info: Info, id: strawberry.ID, min_position: str | None = None) -> Appeal | None:
        runtime = await consistent(info, min_position)
        row = await run_in_threadpool(read, runtime.store, find_appeal, str(id))
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
        runtime = await consistent(info, min_position)
        start = parse_position(after, "after") or 0
        check_page(first)
        domains = info.context.principal.within(domain)
        rows = await run_in_threadpool(read, runtime.store, appeal_queue, str(status), domains, start, first + 1)
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
        runtime = await consistent(info, min_position)
        try:
            key = subject.to_domain().validate()
        except ValidationError as error:
            raise bad_input(error.message, "subject") from None
        if not info.context.principal.sees(key.domain):
            return None
        if as_of is None:
            return await run_in_threadpool(_load_case, runtime, key)
        at = await run_in_threadpool(moment, runtime, as_of)
        past = await run_in_threadpool(load_case_as_of, runtime, key, at)
        return None if past is None else Case.of_row(*past)

    @strawberry.field(
        description="Cases and policies with detections awaiting a decision: most severe policy first, then the "
        "highest confidence, then the longest waiting."
    )
    async def review_queue(
        self,
        info: Info,
        domain: str | None = None,
        policy: str | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        min_position: str | None = None,
    ) -> ReviewQueueConnection:
        runtime = await consistent(info, min_position)
        key = parse_queue_cursor(after)
        check_page(first)
        domains = info.context.principal.within(domain)
        rows = await run_in_threadpool(read, runtime.store, queue_page, domains, policy, key, first + 1)
        edges = [ReviewQueueEdge(cursor=queue_cursor(r.sort_key), node=ReviewQueueEntry.of_row(r)) for r in rows[:first]]
        return ReviewQueueConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else after),
        )

    @strawberry.field(
        description="What happened to a subject or an account, in ledger order: give exactly one of subject and "
        "accountId."
    )
    async def audit_trail(
        self,
        info: Info,
        subject: SubjectInput | None = None,
        account_id: str | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        min_position: str | None = None,
    ) -> AuditTrailConnection:
        runtime = await consistent(info, min_position)
        if (subject is None) == (account_id is None):
            raise bad_input("give exactly one of subject and accountId", "subject")
        start = parse_position(after, "after") or 0
        check_page(first)
        principal = info.context.principal
        if subject is not None:
            key = valid_subject(subject.to_domain(), "subject")
            rows = [] if not principal.sees(key.domain) else await run_in_threadpool(
                read, runtime.store, subject_trail, key.key, start, first + 1
            )
        else:
            rows = await run_in_threadpool(
                read, runtime.store, account_trail, account_id, start, first + 1, principal.scope
            )
        edges = [AuditEntryEdge(cursor=str(r.position), node=AuditEntry.of_row(r)) for r in rows[:first]]
        return AuditTrailConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else after),
        )

    @strawberry.field(description="One decision by id.")
    async def decision(self, info: Info, id: strawberry.ID, min_position: str | None = None) -> Decision | None:
        runtime = await consistent(info, min_position)
        row = await run_in_threadpool(read, runtime.store, find_decision, str(id))
        if row is None or not info.context.principal.sees(row.subject.domain):
            return None
        strikes = await run_in_threadpool(read, runtime.store, find_strikes, [row.strike_id] if row.strike_id else [])
        return Decision.of_row(row, strikes.get(row.strike_id or ""))

    @strawberry.field(description="The current version of every policy, or of one domain's.")
    async def policies(self, info: Info, domain: str | None = None, min_position: str | None = None) -> list[Policy]:
        runtime = await consistent(info, min_position)
        rows = await run_in_threadpool(read, runtime.store, list_policies, domain)
        return [Policy.of_row(r) for r in rows if info.context.principal.sees(r.domain)]

    @strawberry.field(description="The ledger's head and how far each read model is behind it.")
    async def health(self, info: Info) -> HealthReport:
        state = await run_in_threadpool(read_health, info.context.runtime)
        return HealthReport(
            head=str(state.head),
            projections=[ProjectionHealth(name=p.name, position=str(p.position), lag=p.lag) for p in state.projections],
        )

    @strawberry.field(description="The hash chain's position and its latest signed checkpoint; re-verifies nothing.")
    async def ledger_integrity(self, info: Info) -> LedgerIntegrity:
        state = await run_in_threadpool(read_integrity, info.context.runtime)
        mark = state.latest_checkpoint
        return LedgerIntegrity(
            chain_position=str(state.chain_position),
            latest_checkpoint=None if mark is None else LedgerCheckpoint(
                position=str(mark.position), chain_hash=mark.chain_hash, signed_at=mark.signed_at,
                key_id=mark.key_id, signature=mark.signature,
            ),
            signature_valid=state.signature_valid,
        )

    @strawberry.field(
        description="The ledger's events in order, after a cursor; with a filter, only the events it selects "
        "(as far as the event index has reached: pass minPosition to wait for a write)."
    )
    async def events(
        self,
        info: Info,
        after: str | None = None,
        first: int = DEFAULT_PAGE,
        filter: EventFilter | None = None,
        min_position: str | None = None,
    ) -> LedgerEventConnection:
        runtime = await consistent(info, min_position)
        start = parse_position(after, "after") or 0
        check_page(first)
        query = event_filter(filter, info.context.principal.scope)
        stored = await run_in_threadpool(events_page, runtime, query, start, first + 1)
        edges = [LedgerEventEdge(cursor=str(s.position), node=LedgerEvent.of(s)) for s in stored[:first]]
        return LedgerEventConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(stored) > first, end_cursor=edges[-1].cursor if edges else after),
        )


def events_page(runtime: Runtime, query: EventQuery | None, after: int, limit: int) -> list[StoredEvent]:
    """The events after `after` in ledger order: all of them, or those the query selects."""
    # Nothing can follow the largest storable position (and SQLite cannot bind the one after it).
    if after >= MAX_POSITION:
        return []
    if query is None or query.empty:
        return runtime.ledger.read_events(after, limit)
    return filtered_events(runtime, query, after, limit)


def _load_account(runtime: Runtime, account_id: str, at: datetime, scope: tuple[str, ...] | None) -> Account | None:
    """The account as it stood at `at`, as far as the domains of `scope` (None: all) tell."""
    with runtime.store.transaction(write=False) as sql:
        if scope is not None and not set(scope) & account_domains(sql, account_id):
            return None
        row = find_account(sql, account_id, at, runtime.ledger.ladders, scope)
        if row is None:
            return None
        appeals = [
            _appeal_as_of(a, at) for a in account_appeals(sql, account_id)
            if a.filed_at <= at and (scope is None or a.subject.domain in scope)
        ]
        return Account.of_row(row, appeals)


def _appeal_as_of(row: AppealRow, at: datetime) -> AppealRow:
    """Hides a resolution that had not yet happened at `at`, as strikes and penalties hide theirs."""
    if row.resolved_at is not None and row.resolved_at > at:
        return replace(row, status=str(AppealStatus.PENDING), resolved_at=None, resolved_by=None, rationale=None)
    return row


def _load_case(runtime: Runtime, subject: object) -> Case | None:
    with runtime.store.transaction(write=False) as sql:
        row = find_case(sql, subject)  # type: ignore[arg-type]
        if row is None:
            return None
        decisions = case_decisions(sql, row.case_id)
        strikes = find_strikes(sql, [d.strike_id for d in decisions if d.strike_id])
        return Case.of_row(row, case_detections(sql, row.case_id), decisions, strikes)

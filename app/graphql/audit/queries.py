"""Queries of auditors: the ledger's events, audit trails, the read models' health and the chain's integrity."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from starlette.concurrency import run_in_threadpool

from app.fanout.envelope import Envelope
from app.fanout.feed import READ_MODELS
from app.graphql.audit.events import event_filter, events_page
from app.graphql.audit.integrity import integrity as read_integrity
from app.graphql.audit.types import (
    AuditEntry,
    AuditEntryEdge,
    AuditTrailConnection,
    HealthReport,
    LedgerCheckpoint,
    LedgerEvent,
    LedgerEventConnection,
    LedgerEventEdge,
    LedgerIntegrity,
    ProjectionFailure,
    ProjectionHealth,
)
from app.graphql.core.context import Info
from app.graphql.core.errors import bad_input
from app.graphql.core.inputs import EventFilter, SubjectInput
from app.graphql.core.reading import (
    DEFAULT_PAGE,
    check_page,
    consistent,
    parse_position,
    valid_subject,
)
from app.graphql.core.selection import Selected
from app.graphql.core.values import PageInfo
from app.runtime.health import health as read_health
from app.write.sealing import key_ids
from projections.audit_trail.queries import account_trail, positions, subject_trail
from projections.ledger_chain.queries import chain_hashes_at


@strawberry.type
class AuditQuery:

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
        runtime = await consistent(info, min_position, subject_trail, account_trail)
        if (subject is None) == (account_id is None):
            raise bad_input("give exactly one of subject and accountId", "subject")
        start = parse_position(after, "after") or 0
        check_page(first)
        principal = info.context.principal
        if subject is not None:
            key = valid_subject(subject.to_domain(), "subject")
            rows = [] if not principal.sees(key.domain) else await runtime.store.reader.fetch(
                subject_trail, key.key, start, first + 1
            )
        else:
            assert account_id is not None  # exactly one of the two was given
            rows = await runtime.store.reader.fetch(account_trail, account_id, start, first + 1, principal.scope)
        edges = [AuditEntryEdge(cursor=str(r.position), node=AuditEntry.of_row(r)) for r in rows[:first]]
        return AuditTrailConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else after),
        )

    @strawberry.field(description="The ledger's head, how far each read model is behind it, and which have stopped.")
    async def health(self, info: Info) -> HealthReport:
        state = await run_in_threadpool(read_health, info.context.runtime)
        return HealthReport(
            head=str(state.head),
            projections=[
                ProjectionHealth(
                    name=p.name, position=str(p.position), lag=p.lag,
                    failure=None if p.failure is None else ProjectionFailure.of(p.failure),
                )
                for p in state.projections
            ],
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
        description="The ledger's events in order, after a cursor; with a filter, only the events it selects. As far "
        "as the event index and the ledger chain have reached: pass minPosition to wait for a write."
    )
    async def events(
        self,
        info: Info,
        after: str | None = None,
        first: int = DEFAULT_PAGE,
        filter: EventFilter | None = None,
        min_position: str | None = None,
    ) -> LedgerEventConnection:
        runtime = await consistent(info, min_position, positions, chain_hashes_at)
        start = parse_position(after, "after") or 0
        check_page(first)
        query = event_filter(filter, info.context.principal.scope)
        page = await run_in_threadpool(events_page, runtime, query, start, first + 1)
        edges = [LedgerEventEdge(cursor=str(e.position), node=LedgerEvent.of(e)) for e in page[:first]]
        if info.context.reads.keeping:
            # Asked with minPosition, the page is not kept (as a case is not): the same request seldom comes again.
            await _declare_page(info, page, first, kept=min_position is None)
        return LedgerEventConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(page) > first, end_cursor=edges[-1].cursor if edges else after),
        )


async def _declare_page(info: Info, page: Sequence[Envelope], first: int, kept: bool) -> None:
    """What an events page read for `first` edges (`page`, one more when there is a next page) depends on.

    A page with a next page is full, and every event of it lies below where the event index and the ledger chain
    stand (`events_page` reads no further): the same request can only find the same events, envelopes and page info
    again, while those read models stand there or further. All but `data`: a sealed field of it reads as ERASED once
    its key is gone, so a page that selects it also holds only while the keys that opened its sealed fields still
    do (as the keyring finds them, as a fresh answer would). A page without a next page may yet grow: not kept."""
    reads = info.context.reads
    field = str(info.path.key)
    if not kept or len(page) <= first:
        reads.unsettled(field)
        return
    keyring = info.context.runtime.ledger.keyring
    opened: frozenset[str] = frozenset()
    if "data" in Selected.of(info).under("edges").under("node"):
        opened = await run_in_threadpool(keyring.live, key_ids(e.stored.state for e in page[:first]))
    still_open = (lambda: keyring.live(opened) == opened) if opened else None
    reads.declare_settled(field, dict.fromkeys(READ_MODELS, page[-1].position), still_open)

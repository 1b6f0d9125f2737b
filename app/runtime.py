"""Wires one Docket process: the ledger, the read store and the projections over one database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from datetime import datetime, timezone

from app.availability import DatabaseGate
from app.catalog import seed_catalog
from app.integrity import checkpoint_key
from app.ladders import load_ladders
from app.ledger import Ledger
from app.migrations import Migration, migrate
from app.notifications import Bell, events_channel, projected_channel
from app.projector import Projector
from app.settings import Settings
from app.store import ReadStore, open_read_store, read
from domain.base import Clock
from projections.account_standing.projection import AccountStandingProjection
from projections.appeals.projection import AppealsProjection
from projections.audit_trail.projection import AuditTrailProjection
from projections.base import Projection
from projections.batch_progress.projection import BatchProgressProjection
from projections.case_status.projection import CaseStatusProjection
from projections.decisions_by_policy.projection import DecisionsByPolicyProjection
from projections.ledger_chain.projection import LedgerChainProjection
from projections.policy_catalog.projection import PolicyCatalogProjection
from projections.reports.projection import ReportsProjection
from projections.review_queue.projection import ReviewQueueProjection

RECORDED_RECHECK = 5.0
"""Seconds between looks for new events while the event store's NOTIFY is heard (in case one went missing)."""
RECORDED_UNHEARD = 0.2
"""Seconds between looks when it cannot be heard (SQLite): this process's own writes still ring at once."""


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def all_projections(key: Callable[[], bytes | None] = lambda: None, clock: Clock = system_clock) -> list[Projection]:
    """The read models, and the ledger chain (whose checkpoints `key` signs at `clock`'s time; None: unsigned)."""
    return [
        PolicyCatalogProjection(), CaseStatusProjection(), AccountStandingProjection(), AppealsProjection(),
        LedgerChainProjection(key=key, clock=clock),
        ReviewQueueProjection(), DecisionsByPolicyProjection(), AuditTrailProjection(), ReportsProjection(),
        BatchProgressProjection(),
    ]


@dataclass
class Runtime:
    settings: Settings
    ledger: Ledger
    store: ReadStore
    projector: Projector
    gate: DatabaseGate = field(init=False)
    recorded: Bell = field(init=False)
    """Rung when events are recorded: by this process's writes, or another's through the event store's NOTIFY."""

    def __post_init__(self) -> None:
        # SQLite is a file beside the process: nothing to watch.
        self.gate = DatabaseGate(self.store.ping if self.store.engine == "postgres" else None)
        channel = events_channel(self.settings.database)
        self.recorded = Bell(channel, recheck=RECORDED_RECHECK, unheard=RECORDED_UNHEARD)
        self.ledger.listeners.append(self.recorded.ring)

    def prepare(self) -> list[Migration]:
        """Applies pending migrations and seeds the starter catalog; returns what it applied."""
        applied = migrate(self.store)
        seed_catalog(self.ledger)
        return applied

    def read_current(self, query: Any, *args: Any) -> Any:
        """Runs a read-model query once the read models hold everything written so far (bounded wait)."""
        self.projector.wait_for(self.ledger.head(), self.settings.consistency_timeout)
        return read(self.store, query, *args)

    def close(self) -> None:
        self.gate.stop()
        self.projector.stop()
        self.recorded.close()
        self.store.close()
        self.ledger.close()


def open_runtime(settings: Settings, clock: Clock = system_clock, prepare: bool = True) -> Runtime:
    """Opens the database; with `prepare`, applies migrations and seeds the starter catalog first."""
    database = settings.database
    store = open_read_store(database)
    ladders = load_ladders() if settings.ladders_file is None else load_ladders(settings.ladders_file)
    ledger = Ledger(env=database.library_env(), clock=clock, ladders=ladders)
    projections = all_projections(lambda: checkpoint_key(settings, create=True), clock)
    runtime = Runtime(settings, ledger, store, Projector(ledger, store, projections, channel=projected_channel(database)))
    if prepare:
        runtime.prepare()
    return runtime

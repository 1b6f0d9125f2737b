"""Wires one Docket process: the ledger, the read store and the projections over one database."""

from __future__ import annotations

from dataclasses import dataclass, field

from anyio import CapacityLimiter

from app.automation.models import CallSettings, Models
from app.automation.running import AutoActions
from app.config.clock import system_clock
from app.config.settings import Settings
from app.read.migrations import Migration, migrate
from app.read.notifications import Bell, events_channel, projected_channel
from app.read.projector import Projector
from app.read.read_models import configured_projections
from app.read.store import PostgresReadStore, ReadStore, open_read_store
from app.runtime.availability import DatabaseGate
from app.runtime.lone_detections import LoneDetections
from app.write.catalog import seed_catalog
from app.write.index_backfill import Backfilled, backfill_indexes
from app.write.ledger import Ledger, open_ledger
from domain.base import Clock

RECORDED_RECHECK = 5.0
"""Seconds between looks for new events while the event store's NOTIFY is heard (in case one went missing)."""
RECORDED_UNHEARD = 0.2
"""Seconds between looks when it cannot be heard (SQLite): this process's own writes still ring at once."""
SUBSCRIBER_READS = 4
"""How many `ledgerEvents` subscribers may read the ledger at once, each in a thread."""


@dataclass(frozen=True)
class Prepared:
    applied: list[Migration]
    """The migrations applied now."""
    backfilled: Backfilled | None
    """What the index backfill recorded now; None when it had finished before."""


@dataclass
class Runtime:
    settings: Settings
    ledger: Ledger
    store: ReadStore
    projector: Projector
    gate: DatabaseGate = field(init=False)
    recorded: Bell = field(init=False)
    """Rung when events are recorded: by this process's writes, or another's through the event store's NOTIFY."""
    auto_actions: AutoActions = field(init=False)
    """Runs a policy's automation rules on content; its models are called on first use."""
    lone_detections: LoneDetections = field(init=False)
    """Records requests' lone detections; concurrent ones are written together."""
    subscriber_reads: CapacityLimiter = field(init=False)
    """Subscribers' reads run a few at a time, outside the limit of the threadpool that requests share: however
    many subscribe, requests keep their threads, and the reads (decoding holds the GIL) leave the event loop a share."""

    def __post_init__(self) -> None:
        # SQLite is a file beside the process: nothing to watch.
        self.gate = DatabaseGate(self.store.ping if isinstance(self.store, PostgresReadStore) else None)
        channel = events_channel(self.settings.database)
        self.recorded = Bell(channel, recheck=RECORDED_RECHECK, unheard=RECORDED_UNHEARD)
        self.subscriber_reads = CapacityLimiter(SUBSCRIBER_READS)
        self.lone_detections = LoneDetections(self.ledger)
        models = Models(CallSettings(timeout=self.settings.model_timeout, retries=self.settings.model_retries))
        self.auto_actions = AutoActions(self.ledger, models)
        self.ledger.listeners.append(self.recorded.ring)

    def prepare(self) -> Prepared:
        """Applies pending migrations, seeds the starter catalog and indexes what a ledger written before the write
        side's indexes holds (once); returns what it did."""
        applied = migrate(self.store)
        seed_catalog(self.ledger)
        return Prepared(applied, backfill_indexes(self.ledger))

    def close(self) -> None:
        self.gate.stop()
        self.projector.stop()
        self.recorded.close()
        self.store.close()
        self.ledger.close()


def open_runtime(settings: Settings, clock: Clock = system_clock, prepare: bool = True) -> Runtime:
    """Opens the database; with `prepare`, applies migrations, seeds the starter catalog and backfills the indexes
    first."""
    database = settings.database
    store = open_read_store(database, settings.database_connections)
    ledger = open_ledger(settings, clock)
    projections = configured_projections(settings, clock)
    projector = Projector(ledger, store, projections, channel=projected_channel(database))
    runtime = Runtime(settings, ledger, store, projector)
    if prepare:
        runtime.prepare()
    return runtime

"""Runs the projections: each reads the ledger after its position and writes rows and position together."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from typing import Any, NamedTuple, TypeVar

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from app.config.clock import system_clock
from app.read.failures import ProjectionFailure, clear, failed, positions_and_failures, record
from app.read.garbage import rarely_collected
from app.read.lease import Lease
from app.read.notifications import FOREVER, Bell, Channel
from app.read.store import UNREACHABLE, ReadStore
from app.write.ledger import Ledger
from projections.base import Projection
from projections.sql import Steps, query_of

log = logging.getLogger(__name__)

UNHEARD_RECHECK = 0.05
"""Seconds between a waiter's looks at the positions when it cannot be notified (SQLite): its own runner
wakes it at once, one in another process only by this bound."""

LEASE_RETRY = 2.0
"""Seconds between a waiting projector's tries for the lease, and between the holder's checks that it still has it."""

BATCH = 5000
"""Events a step reads, and applies to every read model of a group in one transaction (see `Projector._step`). A
step's fixed costs (its transaction, each read model's reads and writes, its positions) are per page, and a row
several events of a page change is written once; at the head a step reads what is there, far fewer."""
GROUPS = 2
"""Groups of about equal work the read models that are not `waited_on` go in on PostgreSQL, each stepped in a
transaction of its own at once with the others: one group's Python runs while the server writes another's rows
(SQLite has one writer, so one group of every read model)."""
_UNFLUSHED = "SET LOCAL synchronous_commit = off"
"""A step's commit does not wait for its WAL to reach the disk. A crash may then lose the last steps' commits, each
whole: a read model's rows and its position are one transaction, so it holds what it held before them, and projects
those events again from the ledger (whose own commits wait). Nothing is lost, nothing applied twice."""
_TRACK = """
INSERT INTO {table} (name, position, updated_at) VALUES {rows}
ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
"""


@query_of(positions_and_failures)
def waited_positions() -> Steps[dict[str, int | None]]:
    """Every read model's position, None for one that has stopped, in one statement."""
    stored, failures = yield from positions_and_failures.steps()
    return {**stored, **dict.fromkeys(failures)}


def topics_of(projection: Projection) -> frozenset[str]:
    """The stored topics a projection reads; empty for a `raw` one, which reads every event."""
    return frozenset(get_topic(t) for t in projection.event_types)


def feed(
    projection: Projection,
    topics: frozenset[str] | set[str],
    notifications: Sequence[Notification],
    decode: Decoder,
    sql: Any,
    isolated: bool = True,
) -> None:
    """Applies stored events, in ledger order, to one projection as one batch, in a savepoint of the caller's
    transaction: a failure undoes this read model's work alone.

    The one way events reach a projection: the projector's steps and `docket rebuild` both use it. When the batch
    fails, its events are applied again one at a time, each in a savepoint, up to the one that fails:
    EventNotApplied names it, and the read model holds every event before it and nothing after. A failure of the
    server rather than of an event (UNREACHABLE) fails the whole transaction instead.

    Not `isolated`, the batch goes without a savepoint and any failure fails the caller's transaction: the
    projector's first try of a step, which it repeats isolated if anything fails (see `Projector._step`).
    """
    batch = [(n.id, n) for n in notifications] if projection.raw else decode.batch_of(topics, notifications)
    if not batch:
        return
    if not isolated:
        projection.apply_batch(batch, sql)
        return
    try:
        with sql.savepoint():
            projection.apply_batch(batch, sql)
    except UNREACHABLE:
        raise
    except Exception as error:
        by_id = {n.id: n for n in notifications}
        if len(batch) == 1:
            raise EventNotApplied(projection.name, by_id[batch[0][0]], error) from error
        for one in batch:
            try:
                with sql.savepoint():
                    projection.apply_batch([one], sql)
            except UNREACHABLE:
                raise
            except Exception as failed_one:
                raise EventNotApplied(projection.name, by_id[one[0]], failed_one) from failed_one
        raise  # every event applies alone: a fault of the batch itself, reported as the batch's


class _Isolate(Exception):
    """A step to run with each read model in a savepoint from the start."""


T = TypeVar("T")


def isolated_on_failure(attempt: Callable[[bool], T]) -> T:
    """`attempt(False)`: a batch with no savepoint around each read model's part (on PostgreSQL each costs two round
    trips, in the build file a share of the CPU); should it fail otherwise than by the server being unreachable,
    `attempt(True)`, with every read model in a savepoint of its own (see `feed`), which finds the one that failed
    and the event it failed on. The projector's steps and `docket rebuild`'s batches both go this way."""
    try:
        return attempt(False)
    except UNREACHABLE:
        raise
    except _Isolate:
        pass
    except Exception as error:  # noqa: BLE001 - whatever it was, the isolated try finds which read model failed
        log.info("a batch failed (%s: %s); trying it again with each read model apart", type(error).__name__, error)
    return attempt(True)


class EventNotApplied(Exception):
    """A read model cannot apply a stored event."""

    def __init__(self, read_model: str, notification: Notification, error: Exception) -> None:
        self.read_model = read_model
        self.position = notification.id
        self.topic = notification.topic
        self.error = error
        super().__init__(
            f"read model {read_model} cannot apply the event at position {notification.id} "
            f"({notification.topic.rpartition(':')[2]}): {type(error).__name__}: {error}"
        )


class Decoder:
    """Stored events decoded, each once however many read models read it, and picked out for each read model by
    topic: the events of a page are put by topic once, not passed over by every read model (~17 passes a page)."""

    def __init__(self, decode: Callable[[Notification], Any], decoded: dict[int, Any] | None = None) -> None:
        self._decode = decode
        self._known: dict[int, Any] = {} if decoded is None else decoded
        """The events decoded so far, by position."""
        self._pages: dict[int, _Sorted] = {}
        """Each sequence of notifications asked about, by its `id` (held, so that the id stays its own)."""

    def __call__(self, notification: Notification) -> Any:
        event = self._known.get(notification.id)
        if event is None:
            event = self._known[notification.id] = self._decode(notification)
        return event

    def batch_of(self, topics: Collection[str], notifications: Sequence[Notification]) -> list[tuple[int, Any]]:
        """The events of `notifications` whose topic is one of `topics`, decoded, with their positions, in ledger
        order. One that does not decode fails each read model that reads its topic (see `feed`)."""
        page = self.sorted(notifications)
        found = [page.decoded(topic, self) for topic in topics if topic in page.by_topic]
        if len(found) == 1:
            return list(found[0])
        # Each list is in ledger order: sorting their concatenation merges them (positions differ, so the events
        # are never compared).
        return sorted(chain.from_iterable(found))

    def sorted(self, notifications: Sequence[Notification]) -> _Sorted:
        """`notifications` by topic, sorted once however many read models ask."""
        page = self._pages.get(id(notifications))
        if page is None or page.notifications is not notifications:
            page = self._pages[id(notifications)] = _Sorted(notifications)
        return page


class _Sorted:
    """A sequence of notifications by topic, and those of each topic decoded once a read model asked for them."""

    def __init__(self, notifications: Sequence[Notification]) -> None:
        self.notifications = notifications
        self.by_topic: dict[str, list[Notification]] = {}
        for n in notifications:
            listed = self.by_topic.get(n.topic)
            if listed is None:
                self.by_topic[n.topic] = [n]
            else:
                listed.append(n)
        self._decoded: dict[str, list[tuple[int, Any]]] = {}

    def decoded(self, topic: str, decode: Decoder) -> list[tuple[int, Any]]:
        pairs = self._decoded.get(topic)
        if pairs is None:
            pairs = self._decoded[topic] = [(n.id, decode(n)) for n in self.by_topic[topic]]
        return pairs


def decoder(ledger: Ledger) -> Decoder:
    """The ledger's stored events' decoder for a caller's batch."""
    return Decoder(ledger.mapper.to_domain_event)


Page = tuple[Sequence[Notification], Decoder]
"""A page of stored events and its decoder, which holds those of them decoded so far."""

AHEAD_PAGES = 2
"""Full pages a catch-up reads ahead of those its steps have taken: its groups go at their own pace (see
`Projector.catch_up`), and the reading goes on while both are busy."""
LEAD = 1
"""Pages a catch-up's group may start past the page of the slowest: the pages kept for it to take stay few."""


class Ahead:
    """The next pages of a catch-up, read and decoded in a thread of its own while steps apply the pages before them:
    the steps' groups spend much of their time waiting on the server (their reads, their commits), and the process
    would sit idle. It reads on from a full page while fewer than AHEAD_PAGES are waiting to be taken. Only full pages
    are read ahead and taken: one holds the same events whenever it is read, where a shorter one (the head) may have
    grown since."""

    def __init__(self, ledger: Ledger, topics: frozenset[str]) -> None:
        self._ledger = ledger
        self._topics = topics
        """The topics some read model decodes."""
        self._changed = threading.Condition()
        self._read: dict[int, Page | BaseException] = {}
        """The pages read and not yet taken (or their reads' failures), by the position they start after."""
        self._next: int | None = None
        """The position after which the page to read next starts; None: nothing to read."""
        self._reading: int | None = None
        self._size = 0
        self._thread: threading.Thread | None = None
        self._closed = False

    def start(self, after: int, size: int) -> None:
        """Reads on from the page of `size` past position `after` in the background, unless it reads there already,
        or further on (once closed, not)."""
        with self._changed:
            if self._closed:
                return
            further = [*self._read, *(at for at in (self._reading, self._next) if at is not None)]
            if further and after <= max(further):
                return  # read there already, or on its way; or a group behind the others, which reads its own
            self._read.clear()
            self._next, self._size = after, size
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="docket-projector-ahead", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def take(self, after: int, size: int) -> Page | None:
        """The page of `size` past `after` if it was read ahead and is full (a failure to read it raised here), once
        read; else None."""
        with self._changed:
            while after == self._reading:
                self._changed.wait()
            taken = self._read.pop(after, None)
            for passed in [at for at in self._read if at < after]:
                del self._read[passed]
            self._changed.notify_all()
        if isinstance(taken, BaseException):
            raise taken
        return taken if taken is not None and size == self._size and len(taken[0]) == size else None

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._read.clear()
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._closed and (self._next is None or len(self._read) >= AHEAD_PAGES):
                    self._changed.wait()
                after, size = self._next, self._size
                if self._closed or after is None:
                    return
                self._reading, self._next = after, None
            read: Page | BaseException
            try:
                read = self._page(after, size)
            except Exception as error:  # noqa: BLE001 - raised to the step that takes the page
                read = error
            with self._changed:
                self._reading = None
                if self._next is None:  # not sent elsewhere meanwhile
                    self._read[after] = read
                    if not isinstance(read, BaseException) and len(read[0]) == size:
                        self._next = read[0][-1].id
                self._changed.notify_all()

    def _page(self, after: int, size: int) -> Page:
        page = self._ledger.select_page(after, size)
        decode = decoder(self._ledger)
        sorted_page = decode.sorted(page)
        for topic in self._topics.intersection(sorted_page.by_topic):
            # One that does not decode is left to the step: it fails there again, for the read models that read it
            # alone (see `feed`).
            with contextlib.suppress(Exception):
                sorted_page.decoded(topic, decode)
        return page, decode


class Pages:
    """The pages of the ledger steps read, each once however many groups start at it (taken from what was read
    `ahead` when it was), with its decoder, which decodes each of its events once however many read models read it.

    A step's own are dropped with it. A catch-up's groups share one from step to step, each going at its own pace
    (see `Projector.catch_up`): as a reader (`after`'s `reader`), a group starts a page at most LEAD pages past the
    slowest reader's, and a page is dropped once every reader has gone past it."""

    def __init__(self, ledger: Ledger, size: int, ahead: Ahead | None = None) -> None:
        self._ledger = ledger
        self._size = size
        self._ahead = ahead
        self._kept: dict[int, Page] = {}
        """The pages read, by the position they start after."""
        self._changed = threading.Condition()
        self._readers: dict[int, int] = {}
        """Where each reader's page starts, by reader."""

    def after(self, start: int, reader: int | None = None) -> Page:
        """The page of events past position `start`, and its decoder; `reader`, a catch-up's group, waits while
        it is too far ahead of the others."""
        with self._changed:  # a second group starting at the same position waits for the first's read, then shares it
            if reader is not None:
                self._readers[reader] = start
                while start not in self._kept and self._too_far(start):
                    self._changed.wait()
                self._forget_passed()
            page = self._kept.get(start)
            if page is None:
                taken = None if self._ahead is None else self._ahead.take(start, self._size)
                if taken is None:
                    notifications = self._ledger.select_page(start, self._size)
                    page = (notifications, decoder(self._ledger))
                else:
                    page = taken
                self._kept[start] = page
                if self._ahead is not None and len(page[0]) == self._size:
                    self._ahead.start(page[0][-1].id, self._size)
            return page

    def done(self, reader: int) -> None:
        """`reader` reads no more: the others do not wait for it."""
        with self._changed:
            del self._readers[reader]
            self._forget_passed()

    def _too_far(self, start: int) -> bool:
        slowest = min(self._readers.values())
        return start > slowest and sum(1 for at in self._kept if at >= slowest) > LEAD

    def _forget_passed(self) -> None:
        if self._readers:
            slowest = min(self._readers.values())
            for passed in [at for at in self._kept if at < slowest]:
                del self._kept[passed]
        self._changed.notify_all()


def grouped(chosen: list[Projection], engine: str) -> list[list[Projection]]:
    """The groups a step runs `chosen` in, each in the usual order: on PostgreSQL those `waited_on` in a quick group
    of their own, first, and the others in GROUPS groups of about equal work; on SQLite one group."""
    if engine != "postgres":
        return [chosen]
    quick = [p for p in chosen if p.waited_on]
    return ([quick] if quick else []) + split_by_weight([p for p in chosen if not p.waited_on], GROUPS)


def split_by_weight(chosen: list[Projection], groups: int) -> list[list[Projection]]:
    """At most `groups` groups of about equal `weight` (heaviest first into the lightest group), each in the
    usual order."""
    found: list[list[Projection]] = [[] for _ in range(max(1, groups))]
    loads = [0] * len(found)
    for projection in sorted(chosen, key=lambda p: -p.weight):
        lightest = loads.index(min(loads))
        found[lightest].append(projection)
        loads[lightest] += projection.weight
    order = {p.name: i for i, p in enumerate(chosen)}
    return [sorted(g, key=lambda p: order[p.name]) for g in found if g]


def track(sql: Any, positions: Mapping[str, int], table: str = "projection_positions") -> None:
    """Records that each read model of `positions` has applied the ledger up to its position there (in the caller's
    transaction), in one statement; in `table`, for a schema other than the transaction's own."""
    if not positions:
        return
    now = datetime.now(UTC)
    sql.execute(_TRACK.format(table=table, rows=", ".join(["(?, ?, ?)"] * len(positions))),
                [value for name, position in positions.items() for value in (name, position, now)])


class Moved(NamedTuple):
    """What a group's step did: the events it read, and the read models that reached `position`, the last of them
    (`whole`: every read model of the group did)."""

    read: int
    position: int
    names: tuple[str, ...]
    whole: bool

    def told(self, own: str) -> str:
        """Its NOTIFY payload: what a waiter in another process would look up, or `own` alone (look) if not whole."""
        return f"{own} {self.position} {','.join(self.names)}" if self.whole else own


NOTHING_MOVED = Moved(0, 0, (), True)


class Projector:
    """Keeps read models up to date; exactly once, because rows and position commit together."""

    def __init__(
        self,
        ledger: Ledger,
        store: ReadStore,
        projections: Sequence[Projection],
        batch_size: int = BATCH,
        channel: Channel | None = None,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.projections = list(projections)
        self.batch_size = batch_size
        self.moves = Bell(channel, recheck=1.0, unheard=UNHEARD_RECHECK, own=f"{os.getpid()}:{id(self)}",
                          heard=self._heard)
        """Rung when a read model moves on: by this projector's steps, or by another's NOTIFY on its channel, where
        each group of a step announces its commit and the positions it reached (this one's own are not heard: each
        group of its step rings as it commits)."""
        self._topics = {p.name: topics_of(p) for p in self.projections}
        self._ahead = (Ahead(ledger, frozenset().union(*self._topics.values()))
                       if store.engine == "postgres" else None)
        """Reads a catch-up's next page while a step applies one; on SQLite, one writer, the step reads it."""
        self._groups = (ThreadPoolExecutor(len(self.groups()), thread_name_prefix="docket-projector-group")
                        if store.engine == "postgres" else None)
        """The threads a step's groups run in, kept from step to step (starting two a step cost a small step ~5% of
        its CPU)."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        """The runner's: it holds the lease and keeps a loop stepping each group (`_loops`) while it does."""
        self._loops: list[threading.Thread | None] = []
        self._recorded: Bell | None = None
        self._lease: Lease | None = None
        self.leading = False
        """Whether this process's runner projects now: it was started, and holds the lease if it was given one."""
        self._known: dict[str, int] = {}
        """The positions waiters have seen read models reach, or steps told (this process's, others' by NOTIFY)."""
        self._knowing = threading.Lock()

    def step(self, *projections: Projection) -> int:
        """Projects the next batch to the given read models (every one for none); returns how many events it read.

        On PostgreSQL the read models go in groups (see `grouped`), each group in a transaction of its own, the
        groups at once; on SQLite in one transaction. In a group each read model gets the events past its
        own position; the batch is read once from the lowest of them, and each event decoded once however many
        read models read it. The read models' locks are taken in one order, so two workers never deadlock: the
        second waits for the first's batch, then finds it done.

        A read model that cannot apply an event stops there alone (see `feed`): the others commit their
        batches, and its failure is recorded in `projection_failures`. A stopped read model is left out of later
        steps until its next try is due (`ProjectionFailure.due`); a try that applies the event clears the failure.

        A step that read events tells waiters as each group commits: in this process by its ring, in others by a
        NOTIFY on the bell's channel that the group's transaction sends (no transaction of its own: on a loaded
        machine each round trip to the server is a wait to be scheduled, and that one delayed every next step).
        """
        groups = self.groups(projections)
        # Shared: a page both groups start at is read once, and an event both read decoded once, by whichever
        # group reaches it first.
        pages = Pages(self.ledger, self.batch_size, self._ahead)
        if len(groups) == 1 or self._groups is None:
            moved = [self._told_step(group, pages.after) for group in groups]
        else:
            moved = list(self._groups.map(self._told_step, groups, [pages.after] * len(groups)))
        return max(m.read for m in moved)

    def groups(self, projections: Sequence[Projection] = ()) -> list[list[Projection]]:
        """The groups of a step of `projections` (every one for none), each in name order."""
        return grouped(sorted(projections or self.projections, key=lambda p: p.name), self.store.engine)

    def _told_step(self, chosen: list[Projection], page_after: Callable[[int], Page]) -> Moved:
        """A group's step, told to this process's waiters once it commits: one waiting for a read model of this group
        goes on without waiting for the other group's commit."""
        moved = self._step(chosen, page_after)
        if moved.read:
            self._tell(moved.position, moved.names)
            self.moves.ring(told=moved.whole)
        return moved

    def _step(self, chosen: list[Projection], page_after: Callable[[int], Page]) -> Moved:
        """A step of the read models `chosen` (in name order), in one transaction.

        It is tried first with no savepoint around each read model's batch; should anything fail, the transaction
        rolls back and the step runs again with every read model in a savepoint of its own (`isolated_on_failure`),
        so that one that cannot apply an event stops alone.

        Its connection is taken unchecked (a round trip less a step): one the server dropped while it sat in the
        pool (a restart) fails the step, which is tried once more on a checked one.
        """
        try:
            return isolated_on_failure(partial(self._step_once, chosen, page_after, False))
        except UNREACHABLE:
            return isolated_on_failure(partial(self._step_once, chosen, page_after, True))

    def _step_once(
        self, chosen: list[Projection], page_after: Callable[[int], Page], checked: bool, isolated: bool,
    ) -> Moved:
        with self.store.transaction(locks=[f"projection:{p.name}" for p in chosen], checked=checked) as sql:
            if self.store.engine == "postgres":
                sql.execute(_UNFLUSHED)
            stored, failures = positions_and_failures(sql)
            now = system_clock()
            chosen = [p for p in chosen if p.name not in failures or failures[p.name].due(now)]
            if not chosen:
                return NOTHING_MOVED
            if not isolated and any(p.name in failures for p in chosen):
                raise _Isolate  # a stopped read model's retry: expected to fail again
            positions = {p.name: stored.get(p.name, 0) for p in chosen}
            start = min(positions.values())
            notifications, decode = page_after(start)
            if not notifications:
                for projection in chosen:
                    projection.at_rest(sql)
                return NOTHING_MOVED
            end = notifications[-1].id
            reached = []
            tracked: dict[str, int] = {}
            for projection in chosen:
                position = positions[projection.name]
                if position < end:
                    unseen = notifications if position == start else [n for n in notifications if n.id > position]
                    tracked[projection.name] = self._apply(projection, position, unseen, decode, sql,
                                                           failures.get(projection.name), now, isolated)
                    if tracked[projection.name] < end:
                        continue
                reached.append(projection.name)
            track(sql, {name: at for name, at in tracked.items() if at > positions[name]})
            moved = Moved(len(notifications), end, tuple(reached), len(reached) == len(chosen))
            if self.moves.channel is not None:
                self.moves.channel.notify(sql, moved.told(self.moves.own or ""))
        return moved

    def _apply(
        self, projection: Projection, position: int, unseen: Sequence[Notification],
        decode: Decoder, sql: Any, previous: ProjectionFailure | None, now: datetime,
        isolated: bool,
    ) -> int:
        """Applies a read model's batch past its `position`; returns the position it moves on to (the step tracks
        it): past the batch, or up to the event it cannot apply, whose failure it records (`previous`: the one it
        had)."""
        try:
            feed(projection, self._topics[projection.name], unseen, decode, sql, isolated)
        except EventNotApplied as stop:
            failure = failed(previous, projection.name, stop.position, stop.topic, stop.error, now)
            record(sql, failure)
            log.warning("read model %s %s (attempt %d); the other read models go on", projection.name, failure.reason,
                        failure.attempts)
            return max(position, stop.position - 1)
        if previous is not None:
            clear(sql, projection.name)
            log.info("read model %s applied position %d and goes on", projection.name, previous.position)
        return unseen[-1].id

    def catch_up(self) -> int:
        """Projects until every read model has reached the head of the ledger; before this process serves anything
        (see `rarely_collected`). Returns the events read.

        As `step` after `step`, but on PostgreSQL each group goes on to its next page as soon as its step commits,
        not when the other's does too: the process works on one group's rows while the server writes the other's,
        where the step's end left it waiting for the last group's commit. The groups share the pages, read ahead
        (see `Pages`)."""
        with rarely_collected():
            groups = self.groups()
            pages = Pages(self.ledger, self.batch_size, self._ahead)
            if len(groups) == 1 or self._groups is None:
                return sum(self._caught_up(group, pages, reader) for reader, group in enumerate(groups))
            going = [self._groups.submit(self._caught_up, group, pages, reader) for reader, group in enumerate(groups)]
            wait(going)  # each to its end, should another fail
            return max(g.result() for g in going)

    def _caught_up(self, group: list[Projection], pages: Pages, reader: int) -> int:
        """Steps `group` until its read models have reached the head, as `pages`' `reader`; returns the events read."""
        total = 0
        try:
            while read := self._told_step(group, partial(pages.after, reader=reader)).read:
                total += read
        finally:
            pages.done(reader)
        return total

    def positions(self) -> dict[str, int]:
        return self.progress()[0]

    def progress(self) -> tuple[dict[str, int], dict[str, ProjectionFailure]]:
        """Every read model's position (0: none stored yet), and the failures of those that have stopped, by name, read
        together."""
        with self.store.transaction(write=False) as sql:
            stored, failures = positions_and_failures(sql)
        return {p.name: stored.get(p.name, 0) for p in self.projections}, failures

    def wait_for(self, position: int, timeout: float, names: Collection[str] | None = None) -> bool:
        """Blocks until the read models `names` (every one for None) have reached `position`, or `timeout` seconds
        pass (see `reach`, its form for a coroutine)."""
        deadline = time.monotonic() + timeout
        looked: dict[str, int | None] = {}
        look = True
        while True:
            seen = self.moves.seen()
            if look:
                with self.store.transaction(write=False) as sql:
                    looked = waited_positions(sql)
            if self._reached(position, names, looked):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.moves.wait_after(seen, remaining)
            look = not self._told(seen, looked)

    async def reach(self, position: int, timeout: float, names: Collection[str] | None = None) -> bool:
        """Waits, in the event loop, until the read models `names` (every one for None) have reached `position`, or
        `timeout` seconds pass; True when they have.

        It looks at their positions (one statement) when it begins; then each step of the projector that moves them
        on tells it where they are: this process's, or another's by its NOTIFY, which the bell hears. It looks again
        only when woken otherwise (its bound, a step that told nothing). A position already seen reached is not
        looked at again: positions only move on. A stopped read model is not waited for: it moves only once retried
        or skipped, and reads of it are refused (ReadModelStopped) whatever their position.
        """
        if self._reached(position, names, {}):
            return True
        deadline = time.monotonic() + timeout
        looked: dict[str, int | None] = {}
        look = True
        while True:
            seen = self.moves.seen()
            if look:
                looked = await self.store.reader.fetch(waited_positions)
            if self._reached(position, names, looked):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            await self.moves.await_after(seen, remaining)
            look = not self._told(seen, looked)

    def _told(self, seen: int, looked: dict[str, int | None]) -> bool:
        """Whether a waiter woken after the `seen`th ring need not look again: every ring since told where the read
        models moved, and its last look found none stopped (one may have been retried since: a look tells)."""
        return self.moves.told_since(seen) and None not in looked.values()

    def _reached(self, position: int, names: Collection[str] | None, looked: dict[str, int | None]) -> bool:
        """Whether the read models `names` have reached `position`, by what was just `looked` up (None for a stopped
        read model) and what was seen before."""
        with self._knowing:
            known = self._known
            for name, at in looked.items():
                if at is not None and at > known.get(name, 0):
                    known[name] = at
            return all(looked.get(p.name, 0) is None or known.get(p.name, 0) >= position
                       for p in self.projections if names is None or p.name in names)

    def _tell(self, position: int, names: Collection[str]) -> None:
        """Read models `names` have reached `position`, as a step told."""
        self._reached(0, (), dict.fromkeys(names, position))

    def _heard(self, payloads: list[str]) -> bool:
        """Takes what other processes' steps told by NOTIFY (see `Moved.told`); True when each payload told it."""
        told = True
        for payload in payloads:
            words = payload.split(" ")
            if len(words) == 3 and words[1].isdigit():
                self._tell(int(words[1]), [name for name in words[2].split(",") if name])
            else:
                told = False
        return told

    def start(self, recorded: Bell, lease: Lease | None = None) -> None:
        """Runs the projections in the background, each group (see `grouped`) in a loop of its own, woken by
        `recorded`: this process's writes, and others' as that bell hears them (by NOTIFY, or on its bound). A group
        steps again as soon as it commits, not when the others do too: the quick group of the read models reads
        wait on is not held behind the heavier groups' steps.

        With a `lease`, it projects only while it holds it, and tries for it every LEASE_RETRY seconds meanwhile:
        of the processes that serve one database, one projects, and another takes over soon after it dies. A
        caller that took the lease before (and caught up) starts it leading.
        """
        self._recorded = recorded
        self._lease = lease
        self.leading = lease is None or self.leading
        self._thread = threading.Thread(target=self._run, args=(recorded,), name="docket-projector", daemon=True)
        self._thread.start()

    def lead(self, lease: Lease) -> bool:
        """Tries for the lease once; True, and leading, when this process holds it (until `stop` lets it go)."""
        self._lease = lease
        held = lease.acquire()
        if held != self.leading and self._thread is not None:
            log.warning("process %d %s projecting", os.getpid(), "takes over" if held else "stops")
        self.leading = held
        return held

    def stop(self) -> None:
        self._stop.set()
        if self._recorded is not None:
            self._recorded.ring()  # wakes the runner to see it should stop
        if self._thread is not None:
            self._thread.join(timeout=10)  # first: it starts no loop after this
        for loop in self._loops:
            if loop is not None:
                loop.join(timeout=10)
        if self._lease is not None:
            self._lease.release()
        self.leading = False
        self.moves.close()
        if self._ahead is not None:
            self._ahead.close()
        if self._groups is not None:
            self._groups.shutdown(wait=False)

    def _run(self, recorded: Bell) -> None:
        """Holds the lease, checking every LEASE_RETRY seconds that it still does, and keeps a loop stepping each
        group while it does; a loop ends when it finds the lease lost (see `_live`)."""
        groups = self.groups()
        while not self._stop.is_set():
            if self._lease is None or self.lead(self._lease):
                # One still waiting for a write since the lease was lost goes on with it: only the ended start again.
                self._loops = [loop if loop is not None and loop.is_alive() else self._looping(group, recorded)
                               for loop, group in zip(self._loops or [None] * len(groups), groups, strict=True)]
            self._stop.wait(LEASE_RETRY)

    def _looping(self, group: list[Projection], recorded: Bell) -> threading.Thread:
        loop = threading.Thread(target=self._live, args=(group, recorded), name="docket-projector-loop", daemon=True)
        loop.start()
        return loop

    def _live(self, group: list[Projection], recorded: Bell) -> None:
        """Steps `group` while this process leads, each step as soon as the last committed."""
        while self.leading and not self._stop.is_set():
            seen = recorded.seen()
            try:
                read = self._told_step(group, Pages(self.ledger, self.batch_size, self._ahead).after).read
            except Exception:
                log.exception("projection failed; retrying")
                self._stop.wait(1.0)
                continue
            # A step short of a full batch reached the head it saw: the next waits for a write after it began (one
            # may have rung meanwhile), not for a step that finds nothing, which every write would wait behind.
            if read < self.batch_size:
                recorded.wait_after(seen, FOREVER)

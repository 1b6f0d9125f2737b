"""`docket deliver`: sends every webhook the events its filter selects, until stopped.

Three loops share one process. The feed reads the ledger after the position it saved, as far as the envelopes and
the webhooks read model have reached, and records a delivery for each endpoint an event is for, with the new position,
in one transaction. The dispatcher takes what is due (each subject's oldest pending delivery per endpoint, at most
`concurrency` under way per endpoint, so one slow endpoint holds up none but itself) and sends each in a task of its
own. The log writer records the attempts in batches and moves each delivery on: delivered, tried again later, or
dead-lettered. Everything it needs to go on is in the database: killed at any moment, it resumes where it was; an
attempt under way at that moment is made again (receivers deduplicate on `webhook-id`).

One deliverer of a database delivers at a time: it holds the `deliverer` lease (an advisory lock on PostgreSQL, a file
lock beside a SQLite database) while it does. Another one started beside it stands by, trying for the lease every
a few seconds, and takes over soon after the first stops or dies; two at once would send every call twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from uuid import UUID

import httpx

from app.config.clock import system_clock
from app.fanout.envelope import Envelope
from app.fanout.feed import envelopes, reached
from app.fanout.webhooks import outbox, secrets
from app.fanout.webhooks.commands import WebhookCommands
from app.fanout.webhooks.outbox import DeliveryStatus, Due, Outcome
from app.fanout.webhooks.schedule import GONE, SLOW_DOWN, Schedule, retry_after
from app.fanout.webhooks.sender import Answer, send, webhook_client
from app.read.failures import ReadModelStopped
from app.read.lease import database_lease, while_held
from app.read.store import read
from app.runtime.retrying import RetryPause, retried
from app.runtime.wiring import Runtime
from domain.base import Clock
from projections.webhooks.queries import list_webhooks

log = logging.getLogger(__name__)

ACTOR = "service:docket-deliver"
"""Who disables an endpoint that answered 410 or failed for too long."""
FEED_BATCH = 500
POLL = 1.0
"""Seconds between looks for work nobody announced: another process's redeliver or enable, a retry coming due."""
BODIES = 4_096
"""Envelopes kept in memory, so that an event for many endpoints is read and written once."""
DISABLING = sys.maxsize
"""What `_disabled` holds for an endpoint that answered 410 until its disabling is recorded."""
LEASE = "deliverer"


class Deliverer:
    def __init__(
        self, runtime: Runtime, schedule: Schedule | None = None, clock: Clock = system_clock, poll: float = POLL,
    ) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.schedule = schedule or Schedule()
        self.clock = clock
        self.poll = poll
        self.commands = WebhookCommands(runtime)
        self._wake = asyncio.Event()
        self._under_way: set[tuple[str, int]] = set()
        self._logged: list[Outcome] = []
        """Attempts logged since the dispatcher last looked: under way until it looks again, so that a look begun
        before their outcome was committed does not send them again."""
        self._busy: defaultdict[str, int] = defaultdict(int)
        self._outcomes: asyncio.Queue[Outcome] = asyncio.Queue()
        self._bodies: dict[int, bytes] = {}
        self._disabled: dict[str, int] = {}
        """Endpoints this process disabled, with the position that did it: none is sent more meanwhile."""
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped_read_models = ""

    async def run(self, stop: asyncio.Event) -> None:
        """Delivers while this process holds the deliverer lease, standing by while another does, until `stop` is
        set; attempts under way are then finished and logged."""
        await while_held(database_lease(self.settings.database, LEASE), self._deliver_until, stop)

    async def _deliver_until(self, stop: asyncio.Event) -> None:
        self._under_way.clear()
        self._busy.clear()
        self._logged = []
        async with webhook_client(self.commands.targets, self.settings.webhook_timeout) as client:
            loops = [
                asyncio.create_task(self._forever(self._feed, stop)),
                asyncio.create_task(self._forever(lambda s: self._dispatch(client, s), stop)),
            ]
            writer = asyncio.create_task(self._write_log())
            await stop.wait()
            self._wake.set()
            for loop in loops:
                loop.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=self.settings.webhook_timeout + 1)
            with contextlib.suppress(TimeoutError):  # the database gone: what is not logged is sent again next time
                await asyncio.wait_for(self._outcomes.join(), 10)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    async def _forever(self, loop: Callable[[asyncio.Event], Awaitable[None]], stop: asyncio.Event) -> None:
        """Runs a loop again after it fails (the database gone, say), saying why."""
        await retried(lambda: loop(stop), stop, RetryPause(self.poll, self.poll), log,
                      lambda _error: "webhook delivery failed")

    # The feed: the ledger's events, as deliveries.

    async def _feed(self, stop: asyncio.Event) -> None:
        moves = self.runtime.projector.moves
        while not stop.is_set():
            seen = moves.seen()
            if await asyncio.to_thread(self._read_feed):
                self._wake.set()
                continue
            await moves.await_after(seen, self.poll, unheard=min(self.poll, 0.2))

    def _read_feed(self) -> int:
        """Records the deliveries of the next events; how many events it read."""
        store = self.runtime.store
        with store.transaction(write=False) as sql:
            after = outbox.feed_position(sql)
        try:
            upto = min(reached(self.runtime), self.runtime.projector.positions()["webhooks"])
            stored = self.runtime.ledger.read_stored(after, FEED_BATCH, upto=upto)
            found = envelopes(self.runtime, stored)
            webhooks = read(store, list_webhooks)
        except ReadModelStopped as stopped:
            if str(stopped) != self._stopped_read_models:
                log.warning("waiting: %s", stopped)
                self._stopped_read_models = str(stopped)
            return 0
        self._stopped_read_models = ""
        if not found:
            return 0
        now = self.clock()
        rows = [
            (w.webhook_id, e.position, e.id, e.event_type, e.subject_key or "",
             DeliveryStatus.PENDING.value, 0, 0, now, now, None, None, None)
            for e in found for w in webhooks
            if e.position > w.created_position and w.filter.selects(e.domain, e.event_type)
        ]
        with store.transaction() as sql:
            outbox.enqueue(sql, rows, found[-1].position)
        self._remember(found)
        return len(found)

    def _remember(self, found: list[Envelope]) -> None:
        for envelope in found:
            self._bodies[envelope.position] = envelope.to_json()
        while len(self._bodies) > BODIES:
            del self._bodies[next(iter(self._bodies))]

    def _load_bodies(self, positions: list[int]) -> None:
        """Reads the envelopes of deliveries whose events have left memory (retries, redeliveries, a restart)."""
        for position in sorted(set(positions)):
            if position not in self._bodies:
                self._remember(envelopes(self.runtime, self.runtime.ledger.read_stored(position - 1, 1, upto=position)))

    # The dispatcher: what is due, sent.

    async def _dispatch(self, client: httpx.AsyncClient, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            logged, self._logged = self._logged, []
            for outcome in logged:
                self._under_way.discard(outcome.key)
                self._busy[outcome.webhook_id] -= 1
            ready, signing, next_at = await asyncio.to_thread(self._due)
            for due in ready:
                if due.key in self._under_way or self._busy[due.webhook_id] >= self.settings.webhook_concurrency:
                    continue
                if self._disabled.get(due.webhook_id, -1) > due.webhook_position:
                    continue
                self._under_way.add(due.key)
                self._busy[due.webhook_id] += 1
                task = asyncio.create_task(self._attempt(client, due, signing.get(due.webhook_id, [])))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            wait = self.poll
            if next_at is not None:
                wait = min(wait, max((next_at - self.clock()).total_seconds(), 0.0))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    def _due(self) -> tuple[list[Due], dict[str, list[str]], datetime | None]:
        now = self.clock()
        with self.runtime.store.transaction() as sql:
            ready, next_at = outbox.due(sql, self.runtime.store.engine, now, 2 * self.settings.webhook_concurrency)
            signing = secrets.signing(sql, sorted({d.webhook_id for d in ready}), now)
        self._load_bodies([d.position for d in ready if d.key not in self._under_way])
        return ready, signing, next_at

    async def _attempt(self, client: httpx.AsyncClient, due: Due, signing: list[str]) -> None:
        attempted_at = self.clock()
        body = self._bodies.get(due.position)
        if body is None:
            answer = Answer(None, 0.0, None, "the event's envelope could not be read", None)
        elif not signing:
            answer = Answer(None, 0.0, None, "the webhook has no signing secret", None)
        else:
            answer = await send(client, self.commands.targets, due.url, due.event_id, body, signing,
                                self.settings.webhook_timeout)
        if answer.status_code == GONE:  # nothing more is sent while the endpoint is being disabled
            self._disabled[due.webhook_id] = DISABLING
        self._outcomes.put_nowait(self._judge(due, answer, attempted_at))

    def _judge(self, due: Due, answer: Answer, at: datetime) -> Outcome:
        """What an answer makes of the delivery."""
        attempt = due.attempts + 1
        if answer.succeeded:
            return Outcome(due.webhook_id, due.position, attempt, due.failures, at, answer.status_code,
                           answer.latency_ms, answer.excerpt, None, DeliveryStatus.DELIVERED, None)
        failures = due.failures + 1
        error = answer.error or f"HTTP {answer.status_code}"
        answered = at + timedelta(milliseconds=answer.latency_ms)  # a Retry-After counts from the answer
        asked = retry_after(answer.retry_after, answered) if answer.status_code in SLOW_DOWN else None
        wait = None if answer.status_code == GONE else self.schedule.retry_in(failures, asked)
        status = DeliveryStatus.DEAD if wait is None else DeliveryStatus.PENDING
        next_at = None if wait is None else answered + timedelta(seconds=wait)
        return Outcome(due.webhook_id, due.position, attempt, failures, at, answer.status_code, answer.latency_ms,
                       answer.excerpt, error, status, next_at)

    # The log writer.

    async def _write_log(self) -> None:
        while True:
            outcomes = [await self._outcomes.get()]
            while not self._outcomes.empty():
                outcomes.append(self._outcomes.get_nowait())
            try:
                await self._record(outcomes)
            except Exception:
                log.exception("could not log %d webhook attempts; trying again", len(outcomes))
                for outcome in outcomes:
                    self._outcomes.put_nowait(outcome)
                    self._outcomes.task_done()
                await asyncio.sleep(self.poll)
                continue
            self._logged += outcomes
            for _ in outcomes:
                self._outcomes.task_done()
            self._wake.set()

    async def _record(self, outcomes: list[Outcome]) -> None:
        with self.runtime.store.transaction() as sql:
            failing = outbox.record(sql, outcomes, self.schedule.disable_after)
        gone = {o.webhook_id for o in outcomes if o.status_code == GONE}
        reasons = dict.fromkeys(gone, "the endpoint answered 410 Gone")
        for webhook_id, since in failing:
            reasons.setdefault(
                webhook_id, f"every delivery has failed since {since.isoformat()}, for more than "
                f"{self.schedule.disable_after.days} days",
            )
        for webhook_id, reason in reasons.items():
            await asyncio.to_thread(self._disable, webhook_id, reason)

    def _disable(self, webhook_id: str, reason: str) -> None:
        written = self.commands.disable(UUID(webhook_id), reason, ACTOR)
        with self.runtime.store.transaction() as sql:
            outbox.forget_failing(sql, webhook_id)
        self._disabled[webhook_id] = written.position
        log.warning("disabled webhook %s (%s): %s; its deliveries wait until it is enabled again",
                    webhook_id, written.webhook.url, reason)

"""`docket relay`: publishes every ledger event, in its envelope, to a NATS JetStream stream, each once, in order.

Where it stands is read from the stream itself, never from a record of its own: on start, and again after every
failure, it reads the stream's last message and goes on after the ledger position that message carries (its
`Docket-Position` header). Each message is published with `Nats-Expected-Last-Sequence`, the stream sequence it must
follow, so the stream refuses one that would land after a gap, after a message of another relay, or twice; the relay
then reads the stream's last message again and goes on from there. So a crash at any moment, however long before the
restart (past JetStream's duplicate window too), publishes nothing twice and skips nothing. `Nats-Msg-Id`, the event
id, is JetStream's own guard besides, and lets consumers recognise an event from any channel.

The same chain lets a page of messages go with one acknowledgement: only its last message asks for one, and the stream
stores that message only if it stored every message before it, each once and in order (one it refused breaks the chain
for every one after it). An acknowledgement for each message cost nats-py about three times the publishing itself.

The messages are made in a reader process of the relay's own (`pages`), on another CPU, while it publishes those made
before: reading the events and writing their envelopes costs about twice what publishing them does.

While NATS cannot be reached, or refuses the stream, the relay says so in its log and its metrics and tries again,
waiting twice as long each time up to MAX_RETRY; the events wait in the ledger meanwhile, and nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext, JetStreamManager
from nats.js.api import DiscardPolicy, PubAck, RetentionPolicy, StorageType, StreamConfig, StreamInfo
from nats.js.errors import NotFoundError
from prometheus_client import CollectorRegistry, Counter, Gauge

from app.config.settings import Settings
from app.fanout.envelope import Envelope, aggregate_and_name, event_id
from app.fanout.feed import envelopes_after
from app.fanout.pages import Message, Pages, ReaderFailed, forked
from app.read.failures import ReadModelStopped
from app.read.notifications import FOREVER
from app.runtime.retrying import RetryPause, retried
from app.runtime.wiring import Runtime

log = logging.getLogger(__name__)

POSITION_HEADER = "Docket-Position"
NO_DOMAIN = "_"
"""The subject token of an event of no domain's: no domain name starts with an underscore."""
BATCH = 500
"""Events published before the acknowledgement of the last of them is awaited."""
ACK_TIMEOUT = 10.0
"""Seconds a batch's acknowledgement may take before the connection is given up as lost."""
FIRST_RETRY = 0.5
MAX_RETRY = 30.0
IDLE_RECHECK = 0.2
"""Seconds between looks at the read models when their moves cannot be heard (SQLite)."""


class RelayBlocked(Exception):
    """NATS answers, but the relay cannot go on as things stand: the stream is refused, or cannot tell where to
    resume."""


class OutOfStep(Exception):
    """The stream did not store a message right after the one before: it refused it, or already had it."""


NATS_FAILURES = (nats.errors.Error, OSError, TimeoutError, RelayBlocked, OutOfStep, ReaderFailed)
"""What NATS or the stream does to the relay, said in a line; any other failure is the relay's own (the database,
say), logged whole."""


@dataclass(frozen=True)
class Stream:
    """The JetStream stream the relay publishes to, and the subjects it publishes on."""

    name: str
    subject_prefix: str
    duplicate_window: float

    @classmethod
    def of(cls, settings: Settings) -> Stream:
        return cls(settings.nats_stream, settings.nats_subject_prefix, settings.nats_duplicate_window)

    @property
    def subjects(self) -> str:
        return f"{self.subject_prefix}.>"

    def config(self) -> StreamConfig:
        """What the relay creates when the stream is missing: every message kept until an operator sets limits."""
        return StreamConfig(
            name=self.name, description="Docket's ledger events, published by docket relay", subjects=[self.subjects],
            retention=RetentionPolicy.LIMITS, storage=StorageType.FILE, discard=DiscardPolicy.OLD,
            duplicate_window=self.duplicate_window,
        )

    def subject(self, envelope: Envelope) -> str:
        """`docket.<domain>.<aggregate>.<event>`, e.g. `docket.ads.account.strike_issued`."""
        aggregate, name = aggregate_and_name(envelope.event_type)
        return f"{self.subject_prefix}.{envelope.domain or NO_DOMAIN}.{aggregate}.{name}"


@dataclass(frozen=True)
class Cursor:
    """Where the stream stands: the ledger position of its last message, and its last sequence."""

    position: int
    sequence: int


class RelayMetrics:
    """What the relay exposes at its /metrics."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.position = Gauge(
            "docket_relay_position", "Ledger position of the newest event the stream holds.", registry=registry
        )
        self.published = Counter(
            "docket_relay_published", "Events the stream stored, as its acknowledgements say.", registry=registry
        )
        self.connected = Gauge(
            "docket_relay_nats_connected", "1 while the relay publishes to the stream, 0 while it retries.",
            registry=registry,
        )
        self.failures = Counter(
            "docket_relay_failures", "Times NATS was unreachable, refused the stream, or lost the connection.",
            registry=registry,
        )


class Relay:
    """Publishes the ledger to one stream until stopped."""

    def __init__(self, runtime: Runtime, url: str, stream: Stream, metrics: RelayMetrics, batch: int = BATCH) -> None:
        self.runtime = runtime
        self.url = url
        self.stream = stream
        self.metrics = metrics
        self.batch = batch
        self._retry = RetryPause(FIRST_RETRY, MAX_RETRY)
        self._cause: BaseException | None = None
        """The last error the client reported: NoServersError alone does not say why."""
        self._stopped_read_models = ""

    async def run(self, stop: asyncio.Event) -> None:
        """Publishes, and tries again after every failure, until `stop` is set; a batch under way is finished first."""
        await retried(lambda: self._session(stop), stop, self._retry, log, self._failed, NATS_FAILURES)

    def _failed(self, error: Exception) -> str:
        """Counts the failure; what failed."""
        self.metrics.connected.set(0)
        self.metrics.failures.inc()
        return self._describe(error) if isinstance(error, NATS_FAILURES) else "the relay failed"

    def _describe(self, error: BaseException) -> str:
        if isinstance(error, (RelayBlocked, OutOfStep, ReaderFailed)):
            return str(error)
        cause = self._cause if isinstance(error, nats.errors.NoServersError) and self._cause else error
        return f"NATS at {self.url} unreachable ({type(cause).__name__}: {cause})"

    async def _session(self, stop: asyncio.Event) -> None:
        """One connection, and one process making the pages: finds where the stream stands, then publishes until
        stopped or until something fails."""
        async with forked(self.runtime.settings, self._messages) as pages:  # before the connection, not to share it
            connection = await nats.connect(
                self.url, name="docket relay", allow_reconnect=False, max_reconnect_attempts=1, reconnect_time_wait=0,
                connect_timeout=2, error_cb=self._error,
            )
            try:
                await self._publish(stop, connection, pages)
            finally:
                with contextlib.suppress(Exception):
                    await connection.close()

    async def _publish(self, stop: asyncio.Event, connection: NATS, pages: Pages) -> None:
        """Publishes the reader's pages from where the stream stands until stopped; at the head, waits for the read
        models to move."""
        cursor = await self._resume(connection.jsm())
        self.metrics.connected.set(1)
        self.metrics.position.set(cursor.position)
        self._retry.succeeded()
        log.info("publishing to stream %s on %s after ledger position %d (stream sequence %d)",
                 self.stream.name, self.url, cursor.position, cursor.sequence)
        js = connection.jetstream()
        moves = self.runtime.projector.moves
        seen: int | None = moves.seen()
        pages.follow(cursor.position)
        while not stop.is_set():
            if not connection.is_connected:
                raise nats.errors.ConnectionClosedError
            page = await self._next(pages)
            if not page:
                if seen is not None:  # the first page read since the moves were seen: nothing new yet
                    await moves.await_after(seen, FOREVER, unheard=IDLE_RECHECK)
                seen = moves.seen()
                pages.follow(cursor.position)
                continue
            seen = None  # the pages after it are read when the reader process likes: an empty one is read again
            cursor = await self._confirm(cursor, page, await self._send(connection, js, cursor, page))

    async def _error(self, error: Exception) -> None:
        self._cause = error
        log.debug("NATS client: %s", error)

    async def _next(self, pages: Pages) -> list[Message]:
        """The next events to publish; none while a read model the envelopes need has stopped (said once)."""
        try:
            page = await pages.next()
        except ReadModelStopped as stopped:
            if str(stopped) != self._stopped_read_models:
                log.warning("waiting: %s", stopped)
                self._stopped_read_models = str(stopped)
            return []
        if self._stopped_read_models:
            log.info("the read models the envelopes need go on again")
            self._stopped_read_models = ""
        return page

    def _messages(self, runtime: Runtime, after: int) -> list[Message]:
        """The messages of the events after `after`, envelopes written: made in the reader process (`pages`) with its
        own runtime while the page before is published, they cost the publishing loop nothing."""
        return [
            Message(e.position, e.id, self.stream.subject(e), e.to_json())
            for e in envelopes_after(runtime, after, self.batch)
        ]

    async def _resume(self, jsm: JetStreamManager) -> Cursor:
        """Where the stream stands, creating it if it is missing; RelayBlocked if that cannot be told."""
        info = await self._stream_info(jsm)
        state = info.state
        if state.messages == 0:
            if state.last_seq == 0:
                return Cursor(0, 0)
            raise RelayBlocked(
                f"stream {self.stream.name} holds no message but has held {state.last_seq}: it was purged, or its "
                "messages reached an age limit, so it cannot tell which events it had; delete the stream to have "
                "the whole ledger published again"
            )
        try:
            last = await jsm.get_last_msg(self.stream.name, self.stream.subjects)
        except NotFoundError:
            raise RelayBlocked(f"stream {self.stream.name} holds no message on {self.stream.subjects}") from None
        position = (last.headers or {}).get(POSITION_HEADER, "")
        if not position.isdigit():
            raise RelayBlocked(
                f"the last message of stream {self.stream.name} (sequence {last.seq}) has no {POSITION_HEADER} header: "
                "something other than docket relay publishes there"
            )
        await asyncio.to_thread(self._check_is_ours, int(position), (last.headers or {}).get("Nats-Msg-Id"))
        return Cursor(int(position), state.last_seq)

    def _check_is_ours(self, position: int, message_id: str | None) -> None:
        """Refuses a stream whose last message is not this ledger's event at its position: it belongs to another
        ledger, or this ledger's database was restored to an older state, and publishing would leave a gap."""
        found = self.runtime.ledger.read_stored(position - 1, 1, upto=position)
        if not found or event_id(found[0].originator_id, found[0].originator_version) != message_id:
            raise RelayBlocked(
                f"the last message of stream {self.stream.name} (event {message_id} at position {position}) is not "
                "this ledger's event at that position: the stream belongs to another ledger, or the database was "
                "restored to an older state"
            )

    async def _stream_info(self, jsm: JetStreamManager) -> StreamInfo:
        try:
            info = await jsm.stream_info(self.stream.name)
        except NotFoundError:
            try:
                info = await jsm.add_stream(self.stream.config())
            except nats.js.errors.APIError as refused:
                raise RelayBlocked(
                    f"NATS refused to create stream {self.stream.name} on {self.stream.subjects}: {refused.description}"
                ) from None
            log.info("created stream %s on %s (kept until limits are set, duplicate window %gs)",
                     self.stream.name, self.stream.subjects, self.stream.duplicate_window)
        subjects = info.config.subjects or []
        if self.stream.subjects not in subjects:
            raise RelayBlocked(
                f"stream {self.stream.name} captures {', '.join(subjects) or 'no subjects'}, not {self.stream.subjects}"
            )
        return info

    async def _send(
        self, connection: NATS, js: JetStreamContext, cursor: Cursor, page: list[Message]
    ) -> asyncio.Future[PubAck]:
        """Publishes a page after `cursor`, each message expecting the one before it; the acknowledgement to come of
        its last message, the only one that asks for one."""
        *first, last = page
        for sequence, message in enumerate(first, cursor.sequence):
            await connection.publish(message.subject, message.payload, headers=_headers(message, sequence))
        return await js.publish_async(last.subject, last.payload, headers=_headers(last, cursor.sequence + len(first)))

    async def _confirm(self, cursor: Cursor, page: list[Message], ack: asyncio.Future[PubAck]) -> Cursor:
        """Awaits a page's acknowledgement; returns where the stream stands after it, and raises when the stream did
        not store the page's last message where expected (so not every message of the page either)."""
        try:
            await asyncio.wait([ack], timeout=ACK_TIMEOUT)
        finally:
            ack.cancel()  # a no-op once done
        problem = _problem(ack, cursor.sequence + len(page))
        if problem is not None:
            raise OutOfStep(f"the stream did not store the events at positions {page[0].position} to "
                            f"{page[-1].position} after sequence {cursor.sequence}: {problem}")
        self.metrics.published.inc(len(page))
        self.metrics.position.set(page[-1].position)
        return Cursor(page[-1].position, cursor.sequence + len(page))


def _headers(message: Message, expected_last_sequence: int) -> dict[str, str]:
    return {
        "Nats-Msg-Id": message.id, POSITION_HEADER: str(message.position),
        "Nats-Expected-Last-Sequence": str(expected_last_sequence),
    }


def _problem(ack: asyncio.Future[PubAck], sequence: int) -> str | None:
    """What went wrong with one acknowledgement, expected to store the message at `sequence`; None if nothing."""
    if ack.cancelled():
        return f"no acknowledgement within {ACK_TIMEOUT:g}s"
    error = ack.exception()
    if error is not None:
        return f"{type(error).__name__}: {error}"
    answer: Any = ack.result()
    if answer.duplicate:
        return f"it already holds that event (sequence {answer.seq})"
    if answer.seq != sequence:
        return f"it stored it at sequence {answer.seq}, not {sequence}"
    return None

"""`docket relay` publishing a backlog to NATS JetStream on PostgreSQL, beside a raw nats-py publish loop of the same
messages.

Run: .venv/bin/python -m bench.fanout [--events 20000] [--repeats 3] [--rounds 100] [--subscribers 1,50]
     [--endpoints 1,10,100] [--webhook-deliveries 4000] [--admin-url ...]

One run creates its own database (bench_<random>, dropped at the end), writes a realistic ledger history
(`bench.history`) and brings the read models to its head (neither measured), then measures, in this process:
  envelopes alone     the envelopes read a relay page at a time and encoded, as the relay does, with no NATS
  raw publish loop    those envelopes' bytes, subjects and headers (built before the clock starts) published with
                      nats-py's `js.publish_async` to a fresh stream, a relay page at a time, each message expecting
                      the sequence before it, the page's acknowledgements awaited together (the baseline)
  ... one ack a page  the same, as the relay publishes: each page's messages but the last with a core publish, the
                      last with `js.publish_async`, its acknowledgement awaited (the relay's publishing, bare)
  relay               `Relay.run` from an empty stream of its own until the stream holds every event
and prints events/s and the ratio of the relay to the raw loop (issue 16's target: >= 0.5x), and the CPU an event of
the raw loop and of the relay's two processes (its own, and its reader's), which the load sways less. The raw loop
and the relay run `--repeats` times, taking turns, each time to fresh streams (unique names, deleted at the end); the
best of each is compared, since other work on the machine only ever slows a run down. Then the append-to-subscriber
latency of `ledgerEvents` with 1 and 50 subscribers of `docket serve`, beside a raw LISTEN/NOTIFY round trip
(`bench.fanout_latency`). Last, webhook deliveries per second at 1, 10 and 100 endpoints beside plain httpx POSTs to
the same local receiver (`bench.fanout_webhooks`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import sys
import time
import uuid
from dataclasses import dataclass, replace

import nats
from nats.js.api import PubAck
from nats.js.errors import NotFoundError

from app.fanout.relay import BATCH, POSITION_HEADER, Stream
from bench.databases import DEFAULT_ADMIN_URL, own_database
from bench.fanout_latency import report
from bench.fanout_webhooks import DEFAULT_DELIVERIES, run_until
from bench.fanout_webhooks import report as webhooks_report
from bench.rebuild import generate_history

DEFAULT_NATS_URL = os.environ.get("DOCKET_NATS_URL", "nats://127.0.0.1:4222")
WINDOW = 120.0
"""The streams' duplicate window, as the relay's default."""


@dataclass(frozen=True)
class Message:
    subject: str
    payload: bytes
    headers: dict[str, str]


def fresh_stream(kind: str) -> Stream:
    """A stream and subject prefix of this run's own."""
    token = uuid.uuid4().hex[:8]
    return Stream(f"BENCH_{kind}_{token}".upper(), f"bench{kind}{token}", WINDOW)


def catch_up(url: str) -> None:
    """Brings every read model to the head, as `docket project` would have: the envelopes need two of them."""
    from app.config.settings import Settings
    from app.runtime.wiring import open_runtime

    runtime = open_runtime(Settings(database_url=url), prepare=False)
    try:
        runtime.projector.catch_up()
    finally:
        runtime.close()


def build_messages(url: str, stream: Stream) -> tuple[list[Message], int, float]:
    """Every event's message as the relay publishes it to an empty stream, the last event's position, and the
    seconds reading and encoding the envelopes took (the write side's indexes are not events, and not published)."""
    from app.config.settings import Settings
    from app.fanout.feed import envelopes_after
    from app.runtime.wiring import open_runtime

    runtime = open_runtime(Settings(database_url=url), prepare=False)
    messages: list[Message] = []
    try:
        started, after = time.perf_counter(), 0
        while page := envelopes_after(runtime, after, BATCH):
            after = page[-1].position
            for envelope in page:
                headers = {
                    "Nats-Msg-Id": envelope.id, POSITION_HEADER: str(envelope.position),
                    "Nats-Expected-Last-Sequence": str(len(messages)),
                }
                messages.append(Message(stream.subject(envelope), envelope.to_json(), headers))
        return messages, after, time.perf_counter() - started
    finally:
        runtime.close()


async def create(nats_url: str, stream: Stream) -> None:
    connection = await nats.connect(nats_url)
    try:
        await connection.jsm().add_stream(stream.config())
    finally:
        await connection.close()


async def delete(nats_url: str, *streams: Stream) -> None:
    connection = await nats.connect(nats_url)
    try:
        for stream in streams:
            with contextlib.suppress(NotFoundError):  # deleted already, or never made
                await connection.jsm().delete_stream(stream.name)
    finally:
        await connection.close()


async def held(nats_url: str, stream: Stream) -> int:
    connection = await nats.connect(nats_url)
    try:
        return (await connection.jsm().stream_info(stream.name)).state.messages
    finally:
        await connection.close()


async def publish_raw(nats_url: str, messages: list[Message], one_ack: bool = False) -> float:
    """Seconds nats-py took to publish `messages` a relay page at a time, each page's acknowledgements awaited
    together and checked; with `one_ack`, only that of each page's last message, as the relay asks."""
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        started = time.perf_counter()
        for start in range(0, len(messages), BATCH):
            page = messages[start:start + BATCH]
            acks: list[asyncio.Future[PubAck]] = []
            for m in page[:-1] if one_ack else page:
                if one_ack:
                    await connection.publish(m.subject, m.payload, headers=m.headers)
                else:
                    acks.append(await js.publish_async(m.subject, m.payload, headers=m.headers))
            if one_ack:
                acks.append(await js.publish_async(page[-1].subject, page[-1].payload, headers=page[-1].headers))
            await asyncio.wait(acks, timeout=10)
            for sequence, ack in enumerate(acks, start + len(page) + 1 - len(acks)):
                assert ack.done() and ack.exception() is None and ack.result().seq == sequence, ack
        return time.perf_counter() - started
    finally:
        await connection.close()


async def run_relay(url: str, nats_url: str, stream: Stream, last: int) -> float:
    """Seconds `Relay.run` took from an empty stream until the stream held the event at position `last`."""
    from prometheus_client import CollectorRegistry

    from app.config.settings import Settings
    from app.fanout.relay import Relay, RelayMetrics
    from app.runtime.wiring import open_runtime

    runtime = open_runtime(Settings(database_url=url), prepare=False)
    registry = CollectorRegistry()
    try:
        relay = Relay(runtime, nats_url, stream, RelayMetrics(registry))

        async def done() -> bool:
            return (registry.get_sample_value("docket_relay_position") or 0) >= last

        return await run_until(relay.run, done, "publishing every event")
    finally:
        runtime.close()


def cpu() -> tuple[float, float]:
    """CPU seconds so far of this process, and of its children that have ended (the relay's reader processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time(), children.ru_utime + children.ru_stime


def cpu_since(started: tuple[float, float]) -> tuple[float, float]:
    """`cpu()` since `started`: what a run spent in this process and in the children it ended."""
    now = cpu()
    return now[0] - started[0], now[1] - started[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="events in the history (default 20000)")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="a PostgreSQL URL allowed to CREATE DATABASE")
    parser.add_argument("--nats-url", default=DEFAULT_NATS_URL, help="a NATS server with JetStream")
    parser.add_argument("--rounds", type=int, default=100, help="writes whose latency is measured (default 100)")
    parser.add_argument("--subscribers", default="1,50", help="subscriber counts to measure (default 1,50)")
    parser.add_argument("--endpoints", default="1,10,100", help="webhook endpoint counts to measure (default 1,10,100)")
    parser.add_argument("--webhook-deliveries", type=int, default=DEFAULT_DELIVERIES,
                        help=f"deliveries per endpoint count, about (default {DEFAULT_DELIVERIES})")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the raw loop and of the relay (default 3)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    with own_database(args.admin_url) as (url, server):
        print(f"bench.fanout: PostgreSQL {server}, NATS {args.nats_url}, load average {os.getloadavg()[0]:.2f}",
              flush=True)
        generate_history(url, args.events, args.seed)
        catch_up(url)
        first = fresh_stream("raw")
        messages, last, built = build_messages(url, first)
        events = len(messages)
        raws, paged, relays = [], [], []
        raw_cpu, relay_cpu = [], []
        for _ in range(args.repeats):
            # The messages name the first raw stream's subjects: each run's raw streams capture them anew.
            raw, raw_paged = (replace(first, name=fresh_stream("raw").name) for _ in range(2))
            relayed = fresh_stream("relay")
            try:
                asyncio.run(create(args.nats_url, raw))
                started = cpu()
                raws.append(asyncio.run(publish_raw(args.nats_url, messages)))
                raw_cpu.append(cpu_since(started))
                asyncio.run(delete(args.nats_url, raw))  # it captures the subjects the next raw stream does
                asyncio.run(create(args.nats_url, raw_paged))
                paged.append(asyncio.run(publish_raw(args.nats_url, messages, one_ack=True)))
                asyncio.run(create(args.nats_url, relayed))
                started = cpu()
                relays.append(asyncio.run(run_relay(url, args.nats_url, relayed, last)))
                relay_cpu.append(cpu_since(started))
                stored = asyncio.run(held(args.nats_url, relayed)), asyncio.run(held(args.nats_url, raw_paged))
            finally:
                asyncio.run(delete(args.nats_url, raw, raw_paged, relayed))
            assert stored == (events, events), f"the streams hold {stored} messages, not {events}"
        published, one_ack, relay = min(raws), min(paged), min(relays)
        print()
        print(f"{'scenario':<52} {'events':>8} {'seconds':>8} {'events/s':>10}  every run")
        print(f"{'envelopes read and encoded, no NATS':<52} {events:>8,} {built:>8.2f} {events / built:>10,.0f}")
        print(f"{'raw nats-py publish loop (pages of 500, async acks)':<52} {events:>8,} {published:>8.2f} "
              f"{events / published:>10,.0f}  {', '.join(f'{events / s:,.0f}' for s in raws)}")
        print(f"{'raw loop, one ack a page (as the relay publishes)':<52} {events:>8,} {one_ack:>8.2f} "
              f"{events / one_ack:>10,.0f}  {', '.join(f'{events / s:,.0f}' for s in paged)}")
        print(f"{'docket relay from an empty stream':<52} {events:>8,} {relay:>8.2f} {events / relay:>10,.0f}  "
              f"{', '.join(f'{events / s:,.0f}' for s in relays)}")
        print()
        print(f"relay / raw publish loop  {published / relay:6.3f}x (issue 16's target: >= 0.5x); "
              f"relay / one ack a page {one_ack / relay:6.3f}x")
        per_event = [(own / events * 1e6, reader / events * 1e6) for own, reader in raw_cpu + relay_cpu]
        print(f"CPU an event, every run: raw loop {', '.join(f'{own:.1f}' for own, _ in per_event[:len(raw_cpu)])} us; "
              f"relay {', '.join(f'{own:.1f} + {reader:.1f}' for own, reader in per_event[len(raw_cpu):])} us "
              "(publishing + its reader process)")
        report(url, [int(n) for n in args.subscribers.split(",")], args.rounds)
        webhooks_report(url, [int(n) for n in args.endpoints.split(",")], args.webhook_deliveries, args.seed)
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (other work on the machine skews every figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

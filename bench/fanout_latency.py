"""`ledgerEvents` subscribers of `docket serve` on PostgreSQL: from an event's commit until each subscriber has it,
beside a raw LISTEN/NOTIFY round trip with as many listeners.

Each round this process records one detection (a second runtime, as another process's write), then waits until
every subscriber has received an event past the head it saw before the write; 20-50 ms pass between rounds. The
latency is from the write's commit to each subscriber's receipt, so it includes `docket serve` projecting the two
read models the envelopes need. The raw line is a NOTIFY from one connection to as many LISTENing connections,
timed from just before it is sent. Every subscriber and listener is a client in this one process.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import psycopg
import websockets

from app.config.settings import Settings
from app.runtime.wiring import open_runtime
from bench.ingest import make_facts
from bench.servers import admin_server

CHANNEL = "bench_fanout"
WAIT = 30.0
LEDGER_EVENTS = "subscription($after: String) { ledgerEvents(after: $after) { position } }"


class Receipts:
    """The positions a subscriber has received, each with when (perf_counter)."""

    def __init__(self) -> None:
        self.received: list[tuple[int, float]] = []
        self.arrived = asyncio.Event()

    async def follow(self, positions: AsyncIterator[int]) -> None:
        async for position in positions:
            self.received.append((position, time.perf_counter()))
            self.arrived.set()

    async def first_after(self, before: int) -> float:
        while True:
            for position, at in self.received:
                if position > before:
                    return at
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), WAIT)


async def rounds(receipts: list[Receipts], write: Callable[[int], tuple[int, float]], count: int) -> list[float]:
    """Seconds from each write's commit until each subscriber had it: `count` writes, every subscriber."""
    latencies: list[float] = []
    rng = random.Random(5)
    for n in range(count):
        before, committed = await asyncio.to_thread(write, n)
        arrivals = await asyncio.gather(*(r.first_after(before) for r in receipts))
        latencies += [at - committed for at in arrivals]
        await asyncio.sleep(rng.uniform(0.02, 0.05))
    return latencies


async def ledger_events(ws_url: str, token: str, after: int) -> AsyncIterator[int]:
    """The positions a `ledgerEvents` subscription after `after` delivers."""
    async with websockets.connect(ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        subscribe = {"query": LEDGER_EVENTS, "variables": {"after": str(after)}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        async for message in ws:
            answer = json.loads(message)
            assert answer["type"] == "next", answer
            yield int(answer["payload"]["data"]["ledgerEvents"]["position"])


async def notifications(url: str, ready: asyncio.Event) -> AsyncIterator[int]:
    """The payloads of the NOTIFYs on CHANNEL, as integers."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        await connection.execute(f"LISTEN {CHANNEL}")
        ready.set()
        async for notify in connection.notifies():
            yield int(notify.payload)


async def measure_subscribers(url: str, subscribers: int, count: int) -> list[float]:
    with tempfile.TemporaryDirectory() as workdir, admin_server(Path(workdir), url) as (server, token):
        writer = open_runtime(Settings(database_url=url), prepare=False)
        try:
            head = writer.ledger.head()
            receipts = [Receipts() for _ in range(subscribers)]
            ws_url = server.graphql_url.replace("http://", "ws://")
            tasks = [asyncio.create_task(r.follow(ledger_events(ws_url, token, head))) for r in receipts]

            def write(n: int) -> tuple[int, float]:
                before = writer.ledger.head()
                writer.ledger.record_detections(make_facts(1, 7_000_003 * subscribers + n, f"f{subscribers}-{n}"),
                                                "pipeline:bench")
                return before, time.perf_counter()

            await asyncio.sleep(1.0)  # every subscriber connected and waiting at the head
            try:
                return await rounds(receipts, write, count)
            finally:
                for task in tasks:
                    task.cancel()
        finally:
            writer.close()


async def measure_listen_notify(url: str, listeners: int, count: int) -> list[float]:
    readies = [asyncio.Event() for _ in range(listeners)]
    receipts = [Receipts() for _ in range(listeners)]
    tasks = [asyncio.create_task(r.follow(notifications(url, ready)))
             for r, ready in zip(receipts, readies, strict=True)]
    try:
        await asyncio.gather(*(ready.wait() for ready in readies))
        with psycopg.connect(url, autocommit=True) as connection:
            def write(n: int) -> tuple[int, float]:
                sent = time.perf_counter()  # a listener may hear it before this thread is scheduled again
                connection.execute(f"NOTIFY {CHANNEL}, '{n + 1}'")
                return n, sent

            return await rounds(receipts, write, count)
    finally:
        for task in tasks:
            task.cancel()


def quantiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99, in milliseconds."""
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


def report(url: str, subscriber_counts: list[int], count: int) -> None:
    print()
    print(f"{'append to subscriber':<40} {'subscribers':>11} {'p50':>9} {'p99':>9}")
    for subscribers in subscriber_counts:
        for label, measure in (("ledgerEvents (docket serve)", measure_subscribers),
                               ("raw LISTEN/NOTIFY", measure_listen_notify)):
            p50, p99 = quantiles(asyncio.run(measure(url, subscribers, count)))
            print(f"{label:<40} {subscribers:>11} {p50:>6.1f} ms {p99:>6.1f} ms", flush=True)
    print("issue 16's target: ledgerEvents p99 < 50 ms")

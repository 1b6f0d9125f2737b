"""`ledgerEvents` subscribers of `docket serve` on PostgreSQL: from an event's commit until each subscriber has it,
beside a raw LISTEN/NOTIFY round trip with as many listeners.

Each round this process records one detection (a second runtime, as another process's write), then waits until
every subscriber has received an event past the head it saw before the write; 20-50 ms pass between rounds. The
latency is from the write's commit to each subscriber's receipt, so it includes `docket serve` projecting the two
read models the envelopes need. The raw line is a NOTIFY from one connection to as many LISTENing connections,
timed from just before it is sent. Every subscriber and listener is a client in this one process.

Run alone: .venv/bin/python -m bench.fanout_latency [--events 2000] [--rounds 100] [--subscribers 1,50]
(a database of its own, with a history of `--events` projected before anything is measured); `bench.fanout` runs it
after the relay's figures, on its database.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import websockets

from app.config.settings import Settings
from app.runtime.wiring import open_runtime
from bench.cpu import main_threads_cpu_seconds, tree_cpu_seconds
from bench.databases import DEFAULT_ADMIN_URL, own_database
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


@dataclass(frozen=True)
class Measured:
    latencies: list[float]
    """Seconds from each write's commit until each subscriber had it."""
    client_cpu: float
    """CPU seconds of this process's event loop thread meanwhile: receiving and parsing every message."""
    server_cpu: float | None = None
    """CPU seconds of `docket serve` and its workers meanwhile (None without a server)."""
    loops_cpu: float | None = None
    """Of those, the CPU seconds of the workers' event loops: each subscriber's execution and send."""


async def rounds(receipts: list[Receipts], write: Callable[[int], tuple[int, float]], count: int) -> Measured:
    """`count` writes, each timed at every subscriber."""
    # What this process built before (a history, a runtime, the clients) is frozen, as `docket serve` freezes its
    # startup's: else a full collection of it (240 ms seen) stalls every client at once, and sets the p99 alone.
    gc.collect()
    gc.freeze()
    latencies: list[float] = []
    rng = random.Random(5)
    client_cpu = 0.0
    for n in range(count):
        before, committed = await asyncio.to_thread(write, n)
        started = time.thread_time()  # the writer's thread is not counted: only what receiving costs
        arrivals = await asyncio.gather(*(r.first_after(before) for r in receipts))
        client_cpu += time.thread_time() - started
        latencies += [at - committed for at in arrivals]
        await asyncio.sleep(rng.uniform(0.02, 0.05))
    return Measured(latencies, client_cpu)


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


async def measure_subscribers(url: str, subscribers: int, count: int) -> Measured:
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
                pid = server.process.pid
                server_cpu, loops_cpu = tree_cpu_seconds(pid), main_threads_cpu_seconds(pid)
                measured = await rounds(receipts, write, count)
                return replace(measured, server_cpu=tree_cpu_seconds(pid) - server_cpu,
                               loops_cpu=main_threads_cpu_seconds(pid) - loops_cpu)
            finally:
                for task in tasks:
                    task.cancel()
        finally:
            writer.close()


async def measure_listen_notify(url: str, listeners: int, count: int) -> Measured:
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
    """p50 and p99 of each, and CPU per delivery (an event at one subscriber): the server's (every process of
    `docket serve`, the projector's step included), its workers' event loops' alone, and this client's event loop's."""
    print()
    columns = ("subscribers", "p50", "p99", "server CPU", "its loops", "client CPU")
    widths = (11, 9, 9, 16, 16, 16)
    print(f"{'append to subscriber':<30}", *(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)))
    for subscribers in subscriber_counts:
        for label, measure in (("ledgerEvents (docket serve)", measure_subscribers),
                               ("raw LISTEN/NOTIFY", measure_listen_notify)):
            measured = asyncio.run(measure(url, subscribers, count))
            p50, p99 = quantiles(measured.latencies)
            cpu = [_per_delivery(seconds, len(measured.latencies))
                   for seconds in (measured.server_cpu, measured.loops_cpu, measured.client_cpu)]
            print(f"{label:<30} {subscribers:>11} {p50:>6.1f} ms {p99:>6.1f} ms", *(f"{c:>16}" for c in cpu),
                  flush=True)
    print("issue 16's target: ledgerEvents p99 < 50 ms")


def _per_delivery(seconds: float | None, deliveries: int) -> str:
    return "" if seconds is None else f"{seconds / deliveries * 1e6:.0f} us/deliv"


def main(argv: list[str] | None = None) -> int:
    from bench.fanout import catch_up
    from bench.rebuild import generate_history

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000, help="history written and projected first")
    parser.add_argument("--rounds", type=int, default=100, help="writes, each measured at every subscriber")
    parser.add_argument("--subscribers", default="1,50", help="comma-separated subscriber counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    args = parser.parse_args(argv)
    with own_database(args.admin_url) as (url, _server):
        generate_history(url, args.events, args.seed)
        catch_up(url)
        report(url, [int(n) for n in args.subscribers.split(",")], args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

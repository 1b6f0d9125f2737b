"""Webhook deliveries per second from `docket deliver`'s Deliverer to a local receiver at 1, 10 and 100 endpoints,
beside plain httpx POSTs of the same envelopes to the same receiver (part of `bench.fanout`).

For each endpoint count N, in a schema of its own on the run's database: N webhooks (no filter) to
http://127.0.0.1:PORT/e<i>, then a history of about DELIVERIES / N events after them, projected (not measured).
  raw httpx POSTs   the history's envelopes (read and encoded before the clock starts) POSTed unsigned to every
                    endpoint with one httpx.AsyncClient, at most `DOCKET_WEBHOOK_CONCURRENCY` under way per endpoint
  deliverer         `Deliverer.run` from a fresh start until every delivery is DELIVERED: reading the ledger,
                    recording the deliveries, signing, POSTing, logging every attempt in PostgreSQL
The receiver is uvicorn serving `bench.webhook_sink` (204 to everything) in a process of its own.

`python -m bench.fanout_webhooks [--endpoints 1,10,100] [--webhook-deliveries 4000]` runs this part alone, on a
database of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg

from app.config.settings import Settings
from app.fanout.feed import envelopes_after
from app.fanout.webhooks.commands import WebhookCommands
from app.fanout.webhooks.deliverer import Deliverer
from app.runtime.wiring import Runtime, open_runtime
from bench.databases import DEFAULT_ADMIN_URL, own_database
from bench.history import generate
from bench.servers import free_port
from domain.webhook import WebhookFilter

DEFAULT_DELIVERIES = 4_000


@contextmanager
def receiver() -> Iterator[str]:
    """uvicorn serving the sink on a free port of 127.0.0.1; its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.webhook_sink:app", "--port", str(port), "--log-level", "warning",
         "--no-access-log", "--timeout-keep-alive", "300"],  # idle connections kept: a closed one is a failed call
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.post(f"http://127.0.0.1:{port}/ready", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def schema_url(url: str) -> str:
    """A new schema on the run's database, for one endpoint count."""
    schema = f"hooks_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    return f"{url}?schema={schema}"


async def post_raw(base: str, endpoints: int, bodies: list[bytes], concurrency: int) -> float:
    """Seconds plain httpx took to POST every body to every endpoint, `concurrency` at once per endpoint."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=1_000)
    async with httpx.AsyncClient(limits=limits, trust_env=False) as client:

        async def endpoint(i: int) -> None:
            queue = list(reversed(bodies))

            async def worker() -> None:
                while queue:
                    response = await client.post(f"{base}/e{i}", content=queue.pop(),
                                                 headers={"content-type": "application/json"})
                    assert response.status_code == 204

            await asyncio.gather(*(worker() for _ in range(concurrency)))

        started = time.perf_counter()
        await asyncio.gather(*(endpoint(i) for i in range(endpoints)))
        return time.perf_counter() - started


def measure(url: str, base: str, endpoints: int, deliveries: int, seed: int) -> tuple[int, float, float]:
    """(deliveries, seconds of the raw POSTs, seconds of the deliverer) for one endpoint count."""

    settings = Settings(database_url=schema_url(url), webhook_allow_http=True,
                        webhook_allowed_networks=("127.0.0.1/32",))
    runtime = open_runtime(settings)
    try:
        commands = WebhookCommands(runtime)
        for i in range(endpoints):
            commands.create(f"{base}/e{i}", WebhookFilter(), f"bench endpoint {i}", None, "bench")
        after = runtime.ledger.head()
        per_endpoint = max(deliveries // endpoints, 10)
        generate(runtime.ledger, per_endpoint, seed=seed, batch=max(per_endpoint // 4, 1))
        runtime.projector.catch_up()
        bodies: list[bytes] = []
        while page := envelopes_after(runtime, after, 500):
            after = page[-1].position
            bodies += [e.to_json() for e in page]
        total = len(bodies) * endpoints
        raw = asyncio.run(post_raw(base, endpoints, bodies, settings.webhook_concurrency))
        delivered = asyncio.run(_deliver(runtime, Deliverer(runtime, poll=0.05), total))
        return total, raw, delivered
    finally:
        runtime.close()


async def run_until(run: Callable[[asyncio.Event], Coroutine[Any, Any, None]], done: Callable[[], Awaitable[bool]],
                    what: str) -> float:
    """Seconds from starting `run` until `done` says so; then `run` is stopped."""
    stop = asyncio.Event()
    started = time.perf_counter()
    running = asyncio.create_task(run(stop))
    while not await done():
        if running.done():
            raise RuntimeError(f"it stopped before {what}")
        await asyncio.sleep(0.01)
    seconds = time.perf_counter() - started
    stop.set()
    await running
    return seconds


async def _deliver(runtime: Runtime, deliverer: Deliverer, total: int) -> float:
    """Seconds the deliverer took until `total` deliveries were DELIVERED."""

    async def done() -> bool:
        return await asyncio.to_thread(_delivered, runtime) >= total

    return await run_until(deliverer.run, done, "delivering everything")


def _delivered(runtime: Runtime) -> int:
    with runtime.store.transaction(write=False) as sql:
        sql.execute("SELECT count(*) FROM webhook_deliveries WHERE status = 'DELIVERED'")
        found = sql.fetchone()
    return 0 if found is None else int(found[0])


def report(url: str, endpoint_counts: list[int], deliveries: int, seed: int) -> None:
    print()
    print(f"webhook deliveries to a local receiver (uvicorn, 204), about {deliveries:,} per endpoint count")
    print(f"{'endpoints':>9} {'deliveries':>10} {'raw httpx/s':>12} {'deliverer/s':>12} {'ratio':>7}")
    with receiver() as base:
        for endpoints in endpoint_counts:
            total, raw, delivered = measure(url, base, endpoints, deliveries, seed)
            print(f"{endpoints:>9} {total:>10,} {total / raw:>12,.0f} {total / delivered:>12,.0f} "
                  f"{raw / delivered:>6.3f}x", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="a PostgreSQL URL allowed to CREATE DATABASE")
    parser.add_argument("--endpoints", default="1,10,100", help="webhook endpoint counts to measure (default 1,10,100)")
    parser.add_argument("--webhook-deliveries", type=int, default=DEFAULT_DELIVERIES,
                        help=f"deliveries per endpoint count, about (default {DEFAULT_DELIVERIES})")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    with own_database(args.admin_url) as (url, server):
        print(f"bench.fanout_webhooks: PostgreSQL {server}, load average {os.getloadavg()[0]:.2f}", flush=True)
        report(url, [int(n) for n in args.endpoints.split(",")], args.webhook_deliveries, args.seed)
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (other work on the machine skews every figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

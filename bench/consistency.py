"""Waiting for another process on PostgreSQL: reading your writes, and following the ledger live.

Run: /work/venv/bin/python -m bench.consistency [--writes 200] [--admin-url postgresql://...]

One run creates its own database (bench_<random>) and starts `docket project` on it (the worker, a
process of its own). Two waits, each measured two ways that take turns write by write, so that both
see the same machine:
  read your write   this process writes a detection and waits with `Projector.wait_for(its position)`,
                    as a query with `minPosition` does in a `docket serve` that leaves projecting to the worker
  follow the ledger a second runtime (another process's writes) records a detection while this one waits at
                    the head, as a `ledgerEvents` subscriber does between pages
  notified          the Bell: woken by the worker's NOTIFY after each round of projecting, or by the event
                    store's NOTIFY on each commit
  polling           the way before it: looking every 50 ms (read your write) or 200 ms (follow the ledger)
It prints the median and 95th percentile from the write's commit until the waiter has seen it, and how
many times it looked (read the positions or the head), per write; then the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.config.settings import Settings
from app.read.notifications import Bell
from app.read.projector import UNHEARD_RECHECK
from app.runtime.wiring import RECORDED_UNHEARD, Runtime, open_runtime
from bench.databases import DEFAULT_ADMIN_URL, own_database
from bench.ingest import make_facts
from bench.servers import worker

WAIT = 30.0
Once = Callable[[Bell, int], tuple[float, int]]
"""One write and one wait with a Bell: (seconds from the commit until the waiter saw it, times it looked)."""


class Counted:
    """A look (a call), counted."""

    def __init__(self, look: Callable[[], object]) -> None:
        self.look = look
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        return self.look()


def write_one(runtime: Runtime, n: int) -> float:
    """Records one detection; returns when it committed (perf_counter)."""
    runtime.ledger.record_detections(make_facts(1, 100_003 * n + 7, f"c-{n}"), "pipeline:bench")
    return time.perf_counter()


def read_your_write(runtime: Runtime, positions: Counted) -> Once:
    """This process writes, then waits (with the Bell given) until every read model holds the write."""
    projector = runtime.projector

    def once(bell: Bell, n: int) -> tuple[float, int]:
        projector.moves = bell
        committed = write_one(runtime, n)
        before = positions.calls
        if not projector.wait_for(runtime.ledger.head(), WAIT):
            raise SystemExit(f"the worker did not project write {n} within {WAIT:.0f}s")
        return time.perf_counter() - committed, positions.calls - before

    return once


def follow_the_ledger(runtime: Runtime, elsewhere: Runtime, rng: random.Random) -> Once:
    """This process waits at the head, as a subscriber does, while another records an event."""

    async def follow(bell: Bell, n: int) -> tuple[float, int]:
        target, looks = runtime.ledger.head() + 1, 0
        pause = rng.uniform(0.005, 0.05)  # the write comes while the subscriber waits, at no fixed phase

        def write() -> float:
            time.sleep(pause)
            return write_one(elsewhere, n)

        writing = asyncio.create_task(asyncio.to_thread(write))
        while True:
            seen = bell.seen()
            looks += 1
            if await asyncio.to_thread(runtime.ledger.head) >= target:
                return time.perf_counter() - await writing, looks
            await bell.await_after(seen, WAIT)

    return lambda bell, n: asyncio.run(follow(bell, n))


def measure(ways: dict[str, Bell], once: Once, writes: int, first: int) -> dict[str, tuple[list[float], list[int]]]:
    """Each way `writes` times, taking turns."""
    results: dict[str, tuple[list[float], list[int]]] = {name: ([], []) for name in ways}
    for n in range(writes):
        for i, (name, bell) in enumerate(ways.items()):
            seconds, looks = once(bell, first + n * len(ways) + i)
            results[name][0].append(seconds)
            results[name][1].append(looks)
    return results


def report(title: str, results: dict[str, tuple[list[float], list[int]]]) -> str:
    print(f"\n{title:<20} {'writes':>7} {'median ms':>10} {'p95 ms':>9} {'looks/write':>13}")
    figures = {}
    for name, (seconds, looks) in results.items():
        median, p95 = statistics.median(seconds) * 1000, statistics.quantiles(seconds, n=20)[-1] * 1000
        figures[name] = (median, statistics.mean(looks))
        print(f"  {name:<18} {len(seconds):>7,} {median:>10.1f} {p95:>9.1f} {statistics.mean(looks):>13.1f}")
    (fast, fast_looks), (slow, slow_looks) = figures["notified"], figures["polling"]
    return f"{title}: notified / polling {fast / slow:.3g}x the time, {fast_looks / slow_looks:.3g}x the looks"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writes", type=int, default=200, help="writes per way of waiting (default 200)")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="a PostgreSQL URL allowed to CREATE DATABASE")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    if args.writes < 2:
        parser.error("--writes must be 2 or more")

    rng = random.Random(args.seed)
    with own_database(args.admin_url) as (url, version), tempfile.TemporaryDirectory() as workdir:
        print(f"bench.consistency: PostgreSQL {version}, a `docket project` worker, {args.writes} writes each way")
        runtime = open_runtime(Settings(database_url=url))
        elsewhere = open_runtime(Settings(database_url=url), prepare=False)
        notified = runtime.projector.moves
        try:
            positions = Counted(runtime.projector.positions)
            runtime.projector.positions = positions  # type: ignore[method-assign,assignment]
            with worker(url, Path(workdir)) as process:
                if not runtime.projector.wait_for(runtime.ledger.head(), 120):
                    raise SystemExit("the worker never caught up with the starter catalog")
                projected = measure(
                    {"notified": notified, "polling": Bell(None, UNHEARD_RECHECK, UNHEARD_RECHECK)},
                    read_your_write(runtime, positions), args.writes, 0,
                )
                followed = measure(
                    {"notified": runtime.recorded, "polling": Bell(None, RECORDED_UNHEARD, RECORDED_UNHEARD)},
                    follow_the_ledger(runtime, elsewhere, rng), args.writes, 2 * args.writes,
                )
                if process.poll() is not None:
                    raise SystemExit("the worker stopped during the run")
        finally:
            runtime.projector.moves = notified  # closed with the runtime: it holds a LISTEN connection
            elsewhere.close()
            runtime.close()
    ratios = [report("read your write", projected), report("follow the ledger", followed)]
    print("\n" + "\n".join(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())

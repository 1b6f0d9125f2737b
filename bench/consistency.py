"""Read-your-writes across processes on PostgreSQL: a write, then a wait until the read models hold it.

Run: /work/venv/bin/python -m bench.consistency [--writes 200] [--admin-url postgresql://...]

One run creates its own database (bench_<random>), starts `docket project` on it (the worker, a
process of its own), and from this process writes one detection at a time, each followed by
`Projector.wait_for(its position)`, as a query with `minPosition` waits. Two ways of waiting, taking
turns write by write, so that both see the same machine:
  notified   the projector's Bell: woken by the worker's NOTIFY after each round of projecting
  polling    the way before it: looking at the read models' positions every 50 ms
It prints, for each, the median and 95th percentile of the time from the write's commit to the wait's
end, and how many times the waiter read the positions per write; then the ratios.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.notifications import Bell
from app.projector import UNHEARD_RECHECK, Projector
from app.runtime import Runtime, open_runtime
from app.settings import Settings
from bench.databases import DEFAULT_ADMIN_URL, own_database
from bench.ingest import make_facts
from bench.servers import worker

WAIT = 30.0


class Counted:
    """`Projector.positions`, counting its calls."""

    def __init__(self, positions: Callable[[], dict[str, int]]) -> None:
        self.positions = positions
        self.calls = 0

    def __call__(self) -> dict[str, int]:
        self.calls += 1
        return self.positions()


def wait_once(runtime: Runtime, bell: Bell, counted: Counted, label: str, seed: int) -> tuple[float, int]:
    """Writes one detection and waits with `bell` until every read model holds it: (seconds, looks)."""
    projector: Projector = runtime.projector
    projector.moves = bell
    runtime.ledger.record_detections(make_facts(1, seed, label), "pipeline:bench")
    position = runtime.ledger.head()
    before = counted.calls
    started = time.perf_counter()
    if not projector.wait_for(position, WAIT):
        raise SystemExit(f"the worker did not project position {position} within {WAIT:.0f}s")
    return time.perf_counter() - started, counted.calls - before


def caught_up(runtime: Runtime) -> None:
    """Waits until the worker has projected the starter catalog, so the first write starts from rest."""
    if not runtime.projector.wait_for(runtime.ledger.head(), 120):
        raise SystemExit("the worker never caught up with the starter catalog")


def report(name: str, seconds: list[float], looks: list[int]) -> tuple[float, float]:
    median = statistics.median(seconds) * 1000
    p95 = statistics.quantiles(seconds, n=20)[-1] * 1000
    print(f"{name:<10} {len(seconds):>7,} {median:>10.1f} {p95:>9.1f} {statistics.mean(looks):>13.1f}")
    return median, statistics.mean(looks)


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
        notified = runtime.projector.moves
        try:
            counted = Counted(runtime.projector.positions)
            runtime.projector.positions = counted  # type: ignore[method-assign]
            polling = Bell(None, recheck=UNHEARD_RECHECK, unheard=UNHEARD_RECHECK)
            ways = {"notified": notified, "polling": polling}
            results: dict[str, tuple[list[float], list[int]]] = {name: ([], []) for name in ways}
            with worker(url, Path(workdir)) as process:
                caught_up(runtime)
                for n in range(args.writes):
                    for name, bell in ways.items():
                        seconds, looks = wait_once(runtime, bell, counted, f"{name}-{n}", args.seed * 100_003 + n)
                        results[name][0].append(seconds)
                        results[name][1].append(looks)
                        time.sleep(rng.uniform(0.0, 0.02))  # writes arrive at no fixed phase of the polling
                if process.poll() is not None:
                    raise SystemExit("the worker stopped during the run")
            print(f"\n{'waiting':<10} {'writes':>7} {'median ms':>10} {'p95 ms':>9} {'looks/write':>13}")
            fast, fast_looks = report("notified", *results["notified"])
            slow, slow_looks = report("polling", *results["polling"])
        finally:
            runtime.projector.moves = notified  # closed with the runtime: it holds the LISTEN connection
            runtime.close()
    print(f"\nnotified / polling, median time to read a write: {fast / slow:.2f}x; "
          f"positions read per write: {fast_looks / slow_looks:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The projection worker on a backlog: `docket project`'s catch-up on PostgreSQL, beside a raw read + decode.

Run: /work/venv/bin/python -m bench.project [--events 20000] [--admin-url postgresql://...]

One run creates its own database (bench_<random>, dropped at the end), writes a realistic ledger history
(`bench.history`, not measured), then measures, in this process:
  raw read + decode   the notification log read in pages of the projector's batch, each event decoded
  projector catch-up  Projector.catch_up() from position 0 to the head: each read model a step at a time,
                      each step one transaction that writes its rows and its position, as `docket project`
                      (and the projector inside `docket serve`) works through a backlog
and prints events/s and the ratio of the two. Unlike `docket rebuild`, which builds in a local SQLite file and
copies the result, this path runs every statement of every projection against PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from app.read.projector import BATCH
from bench.databases import DEFAULT_ADMIN_URL, own_database
from bench.rebuild import generate_history, measure_read


def measure_catch_up(url: str) -> tuple[int, float]:
    """The head, and the seconds the projector's catch-up from position 0 took."""
    from app.config.settings import Settings
    from app.runtime.wiring import open_runtime

    runtime = open_runtime(Settings(database_url=url), prepare=False)
    try:
        head = runtime.ledger.head()
        started = time.perf_counter()
        runtime.projector.catch_up()
        seconds = time.perf_counter() - started
        assert min(runtime.projector.positions().values()) == head
    finally:
        runtime.close()
    return head, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="events in the history (default 20000)")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="a PostgreSQL URL allowed to CREATE DATABASE")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    with own_database(args.admin_url) as (url, server):
        print(f"bench.project: PostgreSQL {server}, load average {os.getloadavg()[0]:.2f}", flush=True)
        generate_history(url, args.events, args.seed)
        read = measure_read(url, BATCH, decode=True)["seconds"]
        head, projected = measure_catch_up(url)
    print()
    print(f"{'scenario':<44} {'events':>10} {'seconds':>8} {'events/s':>10}")
    print(f"{'raw read + decode':<44} {head:>10,} {read:>8.1f} {head / read:>10,.0f}")
    print(f"{'projector catch-up, every read model':<44} {head:>10,} {projected:>8.1f} {head / projected:>10,.0f}")
    print()
    print(f"projector catch-up / raw read + decode  {read / projected:6.3f}x")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (other work on the machine skews every figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

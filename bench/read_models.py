"""Each read model alone over a history kept by `bench.rebuild --keep`: the CPU of its own code per ledger event.

Run: python -m bench.read_models --reuse bench_<name> [--names case_status,audit_trail] [--rounds 3] [--events N]

The ledger's first `--events` events are read and decoded once, before any clock starts; then each read model
builds alone into a fresh build file, as `docket rebuild` builds it (the same `feed`, batches of `--batch` events,
young objects rarely collected), and `process_time` is taken around `feed`, so neither reading, decoding nor the
commits are counted. It prints the best of `--rounds` for each, per ledger event (not per event the read model
reads), and their sum: what the read models' code costs a build, apart from reading and decoding the ledger.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Notification

from bench.databases import DEFAULT_ADMIN_URL
from bench.rebuild import SCHEMA


def read_decoded(ledger: Any, events: int, batch: int) -> tuple[list[Sequence[Notification]], dict[int, Any]]:
    """The ledger's first `events` events in pages of `batch`, and each event decoded."""
    pages: list[Sequence[Notification]] = []
    decoded: dict[int, Any] = {}
    position = 0
    while position < events:
        page = [n for n in ledger.select_page(position, batch) if n.id <= events]
        if not page:
            break
        decoded.update((n.id, ledger.mapper.to_domain_event(n)) for n in page)
        pages.append(page)
        position = page[-1].id
    return pages, decoded


def feed_seconds(runtime: Any, name: str, pages: list[Sequence[Notification]], decoded: dict[int, Any]) -> float:
    """CPU seconds of one read model's `feed` over `pages` (their events `decoded` already), into a fresh build file."""
    from app.read.garbage import rarely_collected
    from app.read.projector import Decoder, feed, track
    from app.read.rebuild.build import Build
    from app.read.rebuild.plan import choose

    with tempfile.TemporaryDirectory() as directory:
        build = Build(runtime.ledger, Path(directory) / "build.sqlite", choose(runtime.projector.projections, [name]),
                      max(len(p) for p in pages))
        projection, topics, seconds = build.chosen[0], build.topics[name], 0.0
        try:
            with rarely_collected():
                for page in pages:
                    with build.store.transaction() as sql:
                        started = time.process_time()
                        feed(projection, topics, page, Decoder(lambda n: decoded[n.id], decoded), sql, isolated=False)
                        seconds += time.process_time() - started
                        track(sql, {name: page[-1].id})
        finally:
            build.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reuse", metavar="DATABASE", required=True, help="a database kept by bench.rebuild --keep")
    parser.add_argument("--names", help="read models, comma-separated (default: every one a rebuild builds)")
    parser.add_argument("--events", type=int, default=10**12, help="the ledger's first N events (default: all)")
    parser.add_argument("--batch", type=int, default=5000, help="events per batch (default 5000)")
    parser.add_argument("--rounds", type=int, default=3, help="builds of each read model; the best counts")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    args = parser.parse_args(argv)

    from app.config.settings import Settings
    from app.read.rebuild.plan import choose
    from app.runtime.wiring import open_runtime

    url = f"{args.admin_url.rsplit('/', 1)[0]}/{args.reuse}?schema={SCHEMA}"
    runtime = open_runtime(Settings(database_url=url), prepare=False)
    try:
        names = [p.name for p in choose(runtime.projector.projections, args.names.split(",") if args.names else None)]
        pages, decoded = read_decoded(runtime.ledger, args.events, args.batch)
        events = sum(len(p) for p in pages)
        print(f"bench.read_models: {args.reuse}, {events:,} events, load average {os.getloadavg()[0]:.2f}", flush=True)
        total = 0.0
        for name in names:
            best = min(feed_seconds(runtime, name, pages, decoded) for _ in range(args.rounds))
            total += best
            print(f"    {name:28s} {best * 1e6 / events:6.1f} us/event", flush=True)
        print(f"    {'all of them':28s} {total * 1e6 / events:6.1f} us/event")
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    finally:
        runtime.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What sealing personal data costs: bulk ingest and replay decode of the same detections, with each account's
evidence sealed (AES-GCM under its own key) and with sealing off, side by side in one run on PostgreSQL.

Run: .venv/bin/python -m bench.sealing [--events 10000] [--rounds 2] [--admin-url postgresql://...]

One run creates its own database (bench_<random>, dropped at the end). Each round ingests the same detections
(`bench.ingest.make_facts`: ~9 in 10 name an account, accounts drawn from 50,000) with `Ledger.record_detections`,
1000 a call (the COPY path), into a fresh schema with sealing off (no field counts as personal data: the ledger as
it was before sealing) and into another with it on; then a fresh ledger on each (no key held) reads every event
back through `read_events` in pages of 1000, as the projector and a rebuild do, and encodes and decodes the same
events in memory (the Python cost alone, every key held). Prints the best round's events/s of each and the ratios.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from app.write.ledger import Ledger
from app.write.sealing import accounts_sealed
from bench.databases import DEFAULT_ADMIN_URL, own_database
from bench.ingest import ACTOR, Bench, batches, make_facts
from domain import personal_data
from domain.detection import Detection, DetectionFacts

PAGE = 1000
T = TypeVar("T")


@contextmanager
def sealing(on: bool) -> Iterator[None]:
    """Sealing as built, or off: no event field counts as personal data."""
    kept = dict(personal_data.PERSONAL_DATA)
    if not on:
        personal_data.PERSONAL_DATA.clear()
    try:
        yield
    finally:
        personal_data.PERSONAL_DATA.update(kept)


def timed(run: Callable[..., T], *args: Any) -> tuple[T, float]:
    """What `run(*args)` returned, and the seconds it took."""
    started = time.perf_counter()
    result = run(*args)
    return result, time.perf_counter() - started


def ingest(ledger: Ledger, facts: list[DetectionFacts]) -> None:
    for batch in batches(facts, PAGE):
        ledger.record_detections(batch, ACTOR)


def replay(ledger: Ledger) -> int:
    after, read = 0, 0
    while page := ledger.read_events(after, PAGE):
        after, read = page[-1].position, read + len(page)
    return read


def transcode(ledger: Ledger, events: list[Any]) -> None:
    """Each event encoded as the store takes it and decoded again, in memory, its keys read first in one query (as a
    save does): the Python cost alone."""
    ledger.keyring.prepare(accounts_sealed(events))
    mapper = ledger.mapper
    for event in events:
        mapper.to_domain_event(mapper.to_stored_event(event))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--admin-url", default=os.environ.get("DOCKET_BENCH_POSTGRES", DEFAULT_ADMIN_URL))
    args = parser.parse_args(argv)
    best: dict[str, float] = {}
    events: dict[str, int] = {}
    print(f"load average at start: {os.getloadavg()}")
    with own_database(args.admin_url) as (url, version):
        bench = Bench(args.admin_url, url.rsplit("/", 1)[1])
        for round_ in range(args.rounds):
            facts = make_facts(args.events, seed=round_, run=f"r{round_}")
            recorded = [e for f in facts for e in Detection.record(f, 1, ACTOR, f.detected_at).collect_events()]
            for on in (False, True):
                name = "sealed" if on else "plain"
                with sealing(on):
                    schema_url = bench.fresh_url(name)
                    with bench.ledger(name, schema_url) as ledger:
                        _, took = timed(ingest, ledger, facts)
                    best[f"ingest {name}"] = min(best.get(f"ingest {name}", took), took)
                    with bench.ledger(name, schema_url) as fresh:
                        events[name], took = timed(replay, fresh)
                        best[f"decode {name}"] = min(best.get(f"decode {name}", took), took)
                        _, took = timed(transcode, fresh, recorded)
                    best[f"transcode {name}"] = min(best.get(f"transcode {name}", took), took)
    print(f"PostgreSQL {version}, {args.events} detections, best of {args.rounds} rounds")
    for line in ("ingest plain", "ingest sealed", "decode plain", "decode sealed", "transcode plain",
                 "transcode sealed"):
        count = events[line.split()[1]] if line.startswith("decode") else args.events
        print(f"  {line:<14} {count / best[line]:>10,.0f} events/s")
    print(f"  sealed/plain: ingest {best['ingest plain'] / best['ingest sealed']:.2f}x, "
          f"decode {best['decode plain'] / best['decode sealed']:.2f}x, "
          f"transcode {best['transcode plain'] / best['transcode sealed']:.2f}x")
    print(f"load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Rebuilding every read model from zero on PostgreSQL, beside a raw read of the notification log.

Run: /work/venv/bin/python -m bench.rebuild [--events 1000000] [--admin-url postgresql://...]

One run creates its own database (bench_<random>), writes a realistic ledger history of at least
`--events` events into a schema of it (not measured), then measures, each in a fresh process:
  raw read           recorder.select_notifications over the whole log, pages of `--batch`
  raw read + decode  the same, each event decoded by the ledger's mapper
  rebuild            app.read.rebuild.rebuild(): every rebuildable read model from zero, swapped in
and prints events/s, the rebuild's ratio to the raw read + decode, its phases, the time each
projection's own code took, each process's CPU time per event (which the load of other work on the machine
stretches less than wall time) and peak RSS. It drops the database at the end
(keep it with --keep; measure again on a kept one with --reuse bench_<name>).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from typing import Any

import psycopg
from psycopg import sql

from bench.databases import DEFAULT_ADMIN_URL

TARGET_RATE = 50_000
TARGET_RATIO = 0.5
TARGET_RSS_MB = 500
SCHEMA = "ledger"


def peak_rss_mb() -> float:
    """This process's peak RSS. getrusage counts what the parent held when it forked this process too,
    so the bench keeps its own process small and writes the history in a child of its own."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """CPU time (user and system) of this process, or of its children that have ended: unlike wall time, what
    the other work on the machine does not stretch."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def high_water_mb() -> float:
    """The kernel's peak RSS of this program since exec (VmHWM), a check on the figure above."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _open(url: str) -> Any:
    from app.config.settings import Settings
    from app.runtime.wiring import open_runtime

    return open_runtime(Settings(database_url=url), prepare=False)


def measure_read(url: str, batch: int, decode: bool) -> dict[str, Any]:
    """Reads the whole notification log in pages, decoding each event or not."""
    runtime = _open(url)
    try:
        recorder, mapper = runtime.ledger.recorder, runtime.ledger.mapper
        head = runtime.ledger.head()
        started, cpu, position, events = time.perf_counter(), cpu_seconds(), 0, 0
        while position < head:
            page = runtime.ledger.select_page(position, batch) if decode else recorder.select_notifications(
                start=position + 1, limit=batch)
            if not page:
                break
            if decode:  # as the projector reads a page: with its keys
                for notification in page:
                    mapper.to_domain_event(notification)
            events += len(page)
            position = page[-1].id
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    finally:
        runtime.close()
    return {"events": events, "seconds": seconds, "cpu": cpu, "rss_mb": peak_rss_mb(), "hwm_mb": high_water_mb()}


def measure_rebuild(url: str, batch: int) -> dict[str, Any]:
    """`docket rebuild` of every read model, in this process, as the command runs it."""
    from app.read.progress import Progress
    from app.read.rebuild.run import rebuild

    runtime = _open(url)
    try:
        started, cpu = time.perf_counter(), cpu_seconds()
        report = rebuild(runtime, batch=batch, progress=Progress())
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    finally:
        runtime.close()
    return {
        "events": report.built_to, "position": report.position, "seconds": seconds, "rows": report.rows,
        "build_seconds": report.build_seconds, "publish_seconds": report.publish_seconds,
        "apply_seconds": report.apply_seconds, "names": report.names, "cpu": cpu,
        "parts_cpu": cpu_seconds(resource.RUSAGE_CHILDREN), "rss_mb": peak_rss_mb(),
        "hwm_mb": high_water_mb(),
        # The build process the rebuild started (spawned, so its peak is its own); 0 if it built alone.
        "parts_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def measure_floor(url: str) -> dict[str, Any]:
    """PostgreSQL alone writing the rows a rebuild makes, none of them computed: each rebuilt table copied
    inside the server from the live one (INSERT ... SELECT) into an empty replica, then indexed, granted and analyzed
    two tables at a time as the publish does: about the least a rebuild that puts its read models in PostgreSQL
    can take here, whatever computes the rows."""
    from concurrent.futures import ThreadPoolExecutor

    from app.read.rebuild.plan import rebuildable
    from app.read.rebuild.shadow import PUBLISH_CONNECTIONS, Shadow, quote

    runtime = _open(url)
    database = runtime.settings.database
    tables = [t for p in rebuildable(runtime.projector.projections) for t in p.tables]
    runtime.close()
    shadow = Shadow.prepare(database, tables)
    live = database.schema

    def write(table: str) -> int:
        with shadow.connection() as connection:
            target = f"{quote(shadow.name)}.{quote(table)}"
            rows = connection.execute(f"INSERT INTO {target} SELECT * FROM {quote(live)}.{quote(table)}").rowcount
            shadow.finish_table(connection, table)
            return rows

    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(PUBLISH_CONNECTIONS) as pool:
            rows = sum(pool.map(write, tables))
        seconds = time.perf_counter() - started
    finally:
        with psycopg.connect(database.conninfo(), autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {quote(shadow.name)} CASCADE")
    return {"rows": rows, "seconds": seconds}


def in_child(what: str, url: str, batch: int, *extra: str) -> dict[str, Any]:
    """Runs one step in a fresh Python process, so that its peak RSS is its own."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.rebuild", "--measure", what, "--url", url, "--batch", str(batch), *extra],
        check=True, stdout=subprocess.PIPE, text=True,
    )
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def generate_history(url: str, events: int, seed: int) -> int:
    from app.config.settings import Settings
    from app.read.progress import Progress
    from app.runtime.wiring import open_runtime
    from bench.history import generate

    runtime = open_runtime(Settings(database_url=url))  # migrates and seeds the starter catalog
    try:
        progress = Progress()
        progress.start("writing the history (not measured)", 0, events, unit="events")
        done = [runtime.ledger.head()]

        def advanced(count: int) -> None:
            done[0] += count
            progress.update(done[0])

        head = generate(runtime.ledger, events, seed=seed, progress=advanced)
        progress.finish()
        with psycopg.connect(runtime.settings.database.conninfo(), autocommit=True) as connection:
            connection.execute("ANALYZE docket_events")  # as autovacuum would have, on a table this size
        return head
    finally:
        runtime.close()


def topics(url: str) -> list[tuple[str, int]]:
    from app.config.database import Database

    with psycopg.connect(Database.parse(url).conninfo()) as connection:
        rows = connection.execute(
            "SELECT split_part(topic, ':', 2), count(*) FROM docket_events GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
    return [(str(t), int(n)) for t, n in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the history (default 1000000)")
    parser.add_argument("--batch", type=int, default=5000, help="events per page and per transaction (default 5000)")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="a PostgreSQL URL allowed to CREATE DATABASE")
    parser.add_argument("--keep", action="store_true", help="keep the bench database (its name is printed)")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure again on a database kept by --keep")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--measure", choices=["generate", "read", "decode", "rebuild", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.measure is not None:  # a child process: one measurement, printed as JSON
        if args.measure == "generate":
            measured = {"head": generate_history(args.url, args.events, args.seed)}
        elif args.measure == "rebuild":
            measured = measure_rebuild(args.url, args.batch)
        elif args.measure == "floor":
            measured = measure_floor(args.url)
        else:
            measured = measure_read(args.url, args.batch, decode=args.measure == "decode")
        print(json.dumps(measured))
        return 0

    database = args.reuse or f"bench_{uuid.uuid4().hex[:8]}"
    url = f"{args.admin_url.rsplit('/', 1)[0]}/{database}?schema={SCHEMA}"
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        if not args.reuse:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        server = admin.execute("SHOW server_version").fetchone()
    keep = args.keep or bool(args.reuse)
    try:
        if not args.reuse:
            with psycopg.connect(url.split("?")[0], autocommit=True) as connection:
                connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(SCHEMA)))
            print(f"bench.rebuild: PostgreSQL {server and server[0]}, database {database}, "
                  f"load average {os.getloadavg()[0]:.2f}", flush=True)
            started = time.perf_counter()
            head = in_child("generate", url, args.batch, "--events", str(args.events), "--seed", str(args.seed))["head"]
            print(f"wrote {head:,} events in {time.perf_counter() - started:.0f}s (not measured)", flush=True)
        else:  # a database kept by an earlier run, perhaps before a migration this code has
            subprocess.run([sys.executable, "-m", "app.cli.main", "migrate"], check=True,
                           env={**os.environ, "DOCKET_DATABASE_URL": url})
        mix = topics(url)
        print("history: " + ", ".join(f"{t} {n:,}" for t, n in mix), flush=True)
        read = in_child("read", url, args.batch)
        decoded = in_child("decode", url, args.batch)
        rebuilt = in_child("rebuild", url, args.batch)
        floor = in_child("floor", url, args.batch)
    finally:
        if not keep:
            with psycopg.connect(args.admin_url, autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        else:
            print(f"kept database {database}: measure again with --reuse {database}")

    events = rebuilt["events"]
    rate = {name: m["events"] / m["seconds"] for name, m in (("read", read), ("decode", decoded), ("rebuild", rebuilt))}
    build_rate = events / rebuilt["build_seconds"]
    print()
    print(f"{'scenario':<52} {'events':>10} {'seconds':>8} {'events/s':>10} {'peak RSS MB':>12} {'(VmHWM)':>8}")
    for name, label, m in (
        ("read", "raw read: select_notifications", read),
        ("decode", "raw read + decode: select + mapper.to_domain_event", decoded),
        ("rebuild", f"rebuild of {len(rebuilt['names'])} read models, end to end", rebuilt),
    ):
        print(f"{label:<52} {m['events']:>10,} {m['seconds']:>8.1f} {rate[name]:>10,.0f} {m['rss_mb']:>12,.0f} "
              f"{m['hwm_mb']:>8,.0f}")
    if rebuilt["parts_rss_mb"]:
        print(f"{'    its second build process':<52} {'':>10} {'':>8} {'':>10} {rebuilt['parts_rss_mb']:>12,.0f}")
    print(f"{'    build (all events through the projections)':<52} {events:>10,} {rebuilt['build_seconds']:>8.1f} "
          f"{build_rate:>10,.0f}")
    print(f"{'    publish (COPY, indexes, catch-up, swap)':<52} {rebuilt['rows']:>10,} "
          f"{rebuilt['publish_seconds']:>8.1f} {'rows':>10}")
    floor_rate = events / floor["seconds"]
    print(f"{'floor: PostgreSQL writing the same rows, uncomputed':<52} {events:>10,} {floor['seconds']:>8.1f} "
          f"{floor_rate:>10,.0f}")
    print(f"{'    (INSERT ... SELECT from the live tables, indexes)':<52} {floor['rows']:>10,} {'':>8} {'rows':>10}")
    print()
    print("time in each projection's own code during the build (the first in its process to read an event pays for")
    print("decoding it; with two build processes, both run at once):")
    for name, seconds in rebuilt["apply_seconds"].items():
        print(f"    {name:<24} {seconds / events * 1e6:8.1f} us/event")
    print()
    print("CPU of the bench's own processes per event (user + system; PostgreSQL's backends not counted):")
    decode_cpu = decoded["cpu"] / decoded["events"]
    here_cpu, part_cpu = rebuilt["cpu"] / events, rebuilt["parts_cpu"] / events
    print(f"    {'raw read + decode':<46} {decode_cpu * 1e6:8.1f} us/event")
    print(f"    {'rebuild: this process (build, publish, swap)':<46} {here_cpu * 1e6:8.1f} us/event")
    print(f"    {'rebuild: its second build process (build, copy)':<46} {part_cpu * 1e6:8.1f} us/event")
    print(f"    the rebuild's ratio if each process had a CPU to itself and waited for nothing: "
          f"{decode_cpu / max(here_cpu, part_cpu):.2f}x")
    ratio = rate["rebuild"] / rate["decode"]
    print()
    print(f"rebuild / raw read + decode  {ratio:6.2f}x")
    print(f"rebuild / raw read           {rate['rebuild'] / rate['read']:6.2f}x")
    print(f"floor / raw read + decode    {floor_rate / rate['decode']:6.2f}x  "
          "(about the most a rebuild that writes these rows to PostgreSQL could reach here)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (other work on the machine skews every figure)")
    verdict = {True: "met", False: "not met"}
    rss = rebuilt["rss_mb"] + rebuilt["parts_rss_mb"]
    print(f"DESIGN target: >= {TARGET_RATE:,} events/s ({verdict[rate['rebuild'] >= TARGET_RATE]}: "
          f"{rate['rebuild']:,.0f}/s); >= {TARGET_RATIO} of the raw read + decode "
          f"({verdict[ratio >= TARGET_RATIO]}: {ratio:.2f}); peak RSS < {TARGET_RSS_MB} MB, both build processes "
          f"together ({verdict[rss < TARGET_RSS_MB]}: {rss:,.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

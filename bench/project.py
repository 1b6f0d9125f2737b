"""The projection worker on a backlog: `docket project`'s catch-up on PostgreSQL, beside bulk ingest over HTTP and a
raw read + decode.

Run: .venv/bin/python -m bench.project [--events 20000] [--ingest 20000] [--admin-url postgresql://...]

One run creates its own database (bench_<random>, dropped at the end), writes a realistic ledger history
(`bench.history`, not measured), then measures, in this process:
  raw read + decode   the notification log read in pages of the projector's batch, each event decoded
  projector catch-up  Projector.catch_up() from position 0 to the head: each read model a step at a time,
                      each step one transaction that writes its rows and its position, as `docket project`
                      (and the projector inside `docket serve`) works through a backlog
  rows' floor         a raw binary COPY of every row the catch-up left in the read models' tables into empty copies
                      of them (same indexes), in one transaction: what those rows cost PostgreSQL with no Python
                      deciding them
  bulk ingest         `docket serve` (its projector off) taking recordDetections, 1,000 a call from 4 clients,
                      into a schema of its own: the rate a pipeline can write, which the read models must outrun
and prints events/s and the ratios: catch-up must be at least twice the ingest rate for the read models to keep up
with a sustained bulk load. Unlike `docket rebuild`, which builds in a local SQLite file and copies the result, this
path runs every statement of every projection against PostgreSQL. Beside them it prints the ceiling of any catch-up
on this machine: every CPU doing nothing but the raw read + decode (its CPU) and the rows' floor (the server's CPU),
however the read models' Python were written.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import psycopg
from psycopg import sql

from app.read.projector import BATCH
from app.read.read_models import all_projections
from bench.cpu import process_cpu_seconds
from bench.databases import DEFAULT_ADMIN_URL, own_database
from bench.http_ingest import send_over_http
from bench.ingest import make_facts
from bench.rebuild import generate_history, measure_read

INGEST_CALL = 1000
INGEST_CLIENTS = 4


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


def read_model_tables() -> list[str]:
    """The tables of every read model the projector keeps."""
    return sorted({table for projection in all_projections() for table in projection.tables})


def measure_rows_floor(url: str, tables: list[str]) -> tuple[int, float]:
    """The rows in `tables`, and the CPU seconds the server spent on a raw binary COPY of them into empty copies of
    the tables (same indexes and constraints), in one transaction."""
    held: dict[str, bytes] = {}
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE SCHEMA floor")
        rows = 0
        for table in tables:
            name = sql.Identifier(table)
            connection.execute(sql.SQL("CREATE TABLE floor.{} (LIKE public.{} INCLUDING ALL)").format(name, name))
            count = connection.execute(sql.SQL("SELECT count(*) FROM public.{}").format(name)).fetchone()
            rows += count[0] if count else 0
            with connection.cursor().copy(sql.SQL("COPY public.{} TO STDOUT (FORMAT BINARY)").format(name)) as out:
                held[table] = b"".join(bytes(chunk) for chunk in out)
        backend = connection.info.backend_pid
        cpu = process_cpu_seconds(backend)
        with connection.transaction():
            for table, data in held.items():
                statement = sql.SQL("COPY floor.{} FROM STDIN (FORMAT BINARY)").format(sql.Identifier(table))
                with connection.cursor().copy(statement) as into:
                    into.write(data)
        return rows, process_cpu_seconds(backend) - cpu


def measure_http_ingest(url: str, events: int, seed: int) -> float:
    """Seconds `docket serve` took to record `events` detections sent by INGEST_CLIENTS clients, INGEST_CALL a call,
    into a schema of its own in the database at `url`, with its projector off."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE SCHEMA ingest")
    facts = make_facts(events, seed, "ingest")
    return send_over_http(f"{url}?schema=ingest", facts, INGEST_CALL, INGEST_CLIENTS).seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="events in the history (default 20000)")
    parser.add_argument("--ingest", type=int, default=20_000, help="detections sent over HTTP (default 20000)")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="a PostgreSQL URL allowed to CREATE DATABASE")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    with own_database(args.admin_url) as (url, server):
        print(f"bench.project: PostgreSQL {server}, load average {os.getloadavg()[0]:.2f}", flush=True)
        generate_history(url, args.events, args.seed)
        raw = measure_read(url, BATCH, decode=True)
        read = raw["seconds"]
        head, projected = measure_catch_up(url)
        rows, rows_cpu = measure_rows_floor(url, read_model_tables())
        ingested = measure_http_ingest(url, args.ingest, args.seed)
    cpus = os.cpu_count() or 1
    ceiling = cpus * head / (raw["cpu"] + rows_cpu)
    ingest_rate = args.ingest / ingested
    print()
    print(f"{'scenario':<44} {'events':>10} {'seconds':>8} {'events/s':>10}")
    print(f"{'raw read + decode':<44} {head:>10,} {read:>8.1f} {head / read:>10,.0f}")
    print(f"{'projector catch-up, every read model':<44} {head:>10,} {projected:>8.1f} {head / projected:>10,.0f}")
    print(f"{'bulk ingest over HTTP (1,000 a call, 4 clients)':<44} {args.ingest:>10,} {ingested:>8.1f} "
          f"{ingest_rate:>10,.0f}")
    print()
    print(f"raw read + decode: {raw['cpu'] / head * 1e6:.1f} us of CPU an event; raw COPY of the catch-up's {rows:,} "
          f"read-model rows ({rows / head:.1f} an event): {rows_cpu / head * 1e6:.1f} us of the server's CPU an event")
    print(f"ceiling of any catch-up here, {cpus} CPUs doing only those two: {ceiling:,.0f} events/s, "
          f"{ceiling / ingest_rate:.2f}x bulk ingest")
    print()
    print(f"projector catch-up / raw read + decode  {read / projected:6.3f}x")
    print(f"projector catch-up / bulk ingest        {(head / projected) / ingest_rate:6.3f}x "
          "(the read models keep up with a sustained bulk load from 2x)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (other work on the machine skews every figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
